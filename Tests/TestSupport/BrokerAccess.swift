import Foundation
import Logging
import Messaging

/// What the test broker lets one user do, for the access tests of the units' and the services' users.
public enum BrokerAccess {
    /// Nil when a consumer of `queue`, logged in through `url` and declaring `topology`, connects; the
    /// broker's reply code (403 for `ACCESS_REFUSED`) otherwise.
    public static func consumeRefusal(url: String, queue: String, topology: Topology = Topology(), logger: Logger) async throws -> Int? {
        var configuration = try AMQPConfiguration(url: url, connectionName: "access-\(queue)")
        configuration.initialReconnectDelay = .milliseconds(50)
        configuration.maximumReconnectDelay = .milliseconds(500)
        let consumer = AMQPConsumer(configuration: configuration, queue: queue, topology: topology, logger: logger)
        do {
            try await consumer.waitUntilConnected(timeout: .seconds(5))
            await consumer.stop()
            return nil
        } catch {
            await consumer.abort()
            return Int(error.replyCode ?? 0)
        }
    }
}
