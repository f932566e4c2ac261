import Events
import Foundation
import Messaging
import RouterService
import TestSupport
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The units' RabbitMQ users, provisioned on the test broker from `Open137Topology`'s permissions
/// through the management API: a unit reads its own queue and is refused (`ACCESS_REFUSED`) on another's.
@Suite("Unit access", .serialized, .timeLimit(.minutes(2)))
struct UnitAccessTests {
    /// PUTs `body` to the management API path, as the test broker's administrator.
    private func put(_ path: String, _ body: [String: String]) async throws {
        let environment = ProcessInfo.processInfo.environment
        let base = try #require(environment["RABBITMQ_MANAGEMENT_URL"], "RABBITMQ_MANAGEMENT_URL is not set (start the test stack)")
        let admin = try #require(URLComponents(string: try TestEnvironment.amqpURL()))
        var request = URLRequest(url: try #require(URL(string: base.hasSuffix("/") ? base + path : base + "/" + path)))
        request.httpMethod = "PUT"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let credentials = Data("\(admin.user ?? ""):\(admin.password ?? "")".utf8).base64EncodedString()
        request.setValue("Basic \(credentials)", forHTTPHeaderField: "Authorization")
        request.httpBody = try JSONEncoder().encode(body)
        let (_, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        #expect((200..<300).contains(status), "PUT \(path) → \(status)")
    }

    /// Creates `user` with `password` and its permissions.
    private func provision(_ user: BrokerUser, password: String) async throws {
        try await put("api/users/\(user.name)", ["password": password, "tags": ""])
        try await put("api/permissions/%2F/\(user.name)", ["configure": user.configure, "write": user.write, "read": user.read])
        for topic in user.topicPermissions {
            try await put("api/topic-permissions/%2F/\(user.name)", ["exchange": topic.exchange, "write": topic.write, "read": topic.read])
        }
    }

    /// A consumer of `queue` logged in as `user`, declaring nothing.
    private func consumer(_ user: String, _ password: String, queue: String) throws -> AMQPConsumer {
        var url = try #require(URLComponents(string: try TestEnvironment.amqpURL()))
        url.user = user
        url.password = password
        var configuration = try AMQPConfiguration(url: try #require(url.string), connectionName: "unit-access-\(user)")
        configuration.initialReconnectDelay = .milliseconds(50)
        return AMQPConsumer(configuration: configuration, queue: queue, topology: Topology(), logger: TestEnvironment.logger("unit-access"))
    }

    @Test("every unit has a user that reads only unit.<unit> and publishes only <unit>.status to the unit-updates exchange")
    func permissionsInCode() {
        let parks = Open137Topology.unitUser("parks")
        #expect(parks.name == "unit-parks" && parks.configure == "^$" && parks.read == #"^unit\.parks$"#)
        #expect(parks.write == #"^open137\.unit-updates$"#)
        #expect(parks.topicPermissions == [TopicPermission(exchange: "open137.unit-updates", write: #"^parks\.status$"#, read: "^$")])
        #expect(Open137Topology.brokerUsers.count == Open137Topology.unitCodes.count + 1)
        #expect(Set(Open137Topology.brokerUsers.map(\.name)).count == Open137Topology.brokerUsers.count)
    }

    @Test("a unit's user consumes its own queue and gets ACCESS_REFUSED on another unit's queue")
    func accessRefusedOnAnotherUnitsQueue() async throws {
        // The router's topology declares the unit queues.
        let declarer = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "unit-access-declare"), topology: RouterService.topology, logger: TestEnvironment.logger("unit-access"))
        try await declarer.waitUntilConnected(timeout: .seconds(15))
        await declarer.close()

        let password = UUID().uuidString
        try await provision(Open137Topology.unitUser("parks"), password: password)

        let own = try consumer("unit-parks", password, queue: "unit.parks")
        try await own.waitUntilConnected(timeout: .seconds(10))
        await own.stop()

        let other = try consumer("unit-parks", password, queue: "unit.roads")
        var refused: AMQPError?
        do {
            try await other.waitUntilConnected(timeout: .seconds(5))
        } catch {
            refused = error
        }
        await other.abort()
        let error = try #require(refused, "unit-parks could consume unit.roads")
        #expect(error.replyCode == 403, "\(error)")
        #expect(error.message.contains("ACCESS_REFUSED"), "\(error)")
    }
}
