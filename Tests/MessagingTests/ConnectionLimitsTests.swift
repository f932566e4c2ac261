import Foundation
import TestSupport
import Testing

@testable import Messaging

@Suite("Connection limits: a silent or half-open peer cannot hold the connection thread")
struct ConnectionLimitsTests {
    let logger = TestEnvironment.logger("connection-limits-tests")

    @Test("the timeouts come from the URL, default from the heartbeat, and nonsense is refused")
    func configuration() throws {
        let defaults = try AMQPConfiguration(url: "amqp://guest:guest@127.0.0.1:5672/?heartbeat=30")
        #expect(defaults.socketTimeout == .seconds(60))
        #expect(defaults.rpcTimeout == .seconds(30))
        #expect(try AMQPConfiguration(url: "amqp://127.0.0.1/?heartbeat=2").socketTimeout == .seconds(10))
        let set = try AMQPConfiguration(url: "amqp://127.0.0.1/?socket_timeout=7&rpc_timeout=9&connection_timeout=3")
        #expect(set.socketTimeout == .seconds(7))
        #expect(set.rpcTimeout == .seconds(9))
        #expect(set.connectTimeout == .seconds(3))
        for bad in ["socket_timeout=0", "rpc_timeout=-1", "connection_timeout=soon", "heartbeat=-5", "rpc_timeout=100000"] {
            #expect(throws: AMQPError.self, "\(bad)") { try AMQPConfiguration(url: "amqp://127.0.0.1/?\(bad)") }
        }
    }

    @Test("a port that accepts TCP and never speaks AMQP fails each attempt within the connect timeout, and the loop keeps retrying")
    func silentServerDoesNotHoldTheThread() async throws {
        let hole = try BlackHoleListener()
        defer { hole.stop() }
        var configuration = try AMQPConfiguration(url: "amqp://guest:guest@127.0.0.1:\(hole.port)/?connection_timeout=1", connectionName: "black-hole")
        configuration.initialReconnectDelay = .milliseconds(50)
        configuration.maximumReconnectDelay = .milliseconds(200)
        let publisher = AMQPPublisher(configuration: configuration, logger: logger)
        let clock = ContinuousClock()
        // rabbitmq-c's own login limit is 12 s: without ours the first attempt alone outlasts these bounds.
        let start = clock.now
        let outcome: Result<Void, AMQPError> = try await withTimeout(.seconds(20), "waitUntilConnected against a black hole") {
            do throws(AMQPError) {
                try await publisher.waitUntilConnected(timeout: .seconds(3))
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        let waited = start.duration(to: clock.now)
        guard case .failure = outcome else {
            Issue.record("connected to a server that never spoke AMQP")
            return
        }
        // Well under rabbitmq-c's 12 s login limit, with room for make test's parallel phase on two cores.
        #expect(waited < .seconds(9), "waitUntilConnected(timeout: 3 s) took \(waited)")
        #expect(hole.acceptedCount >= 2, "the loop retried only \(hole.acceptedCount) time(s) in \(waited)")
        #expect(publisher.connections == 0)
        let closeStart = clock.now
        try await withTimeout(.seconds(20), "closing a publisher connecting to a black hole") { await publisher.close() }
        let closing = closeStart.duration(to: clock.now)
        #expect(closing < .seconds(5), "close took \(closing)")
    }

    @Test("a live connection runs with TCP_USER_TIMEOUT, keepalive, an RPC timeout and a handshake timeout")
    func limitsAreSetOnTheSocket() async throws {
        var configuration = try TestEnvironment.amqpConfiguration(name: "limits")
        configuration.socketTimeout = .seconds(13)
        configuration.rpcTimeout = .seconds(17)
        configuration.connectTimeout = .seconds(4)
        let publisher = AMQPPublisher(configuration: configuration, logger: logger)
        try await publisher.waitUntilConnected()
        let limits = try await publisher.connection.limits()
        #expect(limits.tcpUserTimeoutMilliseconds == 13_000)
        #expect(limits.keepAlive)
        #expect(limits.rpcTimeout == .seconds(17))
        #expect(limits.handshakeTimeout == .seconds(4))
        await publisher.close()
    }

    @Test("a publish into a full socket to a frozen peer fails within the socket timeout, and the messages go out on a new connection")
    func fullSocketToAFrozenPeerIsGivenUp() async throws {
        let broker = try TestEnvironment.amqpConfiguration()
        let proxy = try FreezableProxy(host: broker.host, targetPort: broker.port)
        defer { proxy.stop() }
        var configuration = broker
        configuration.host = "127.0.0.1"
        configuration.port = proxy.port
        configuration.socketTimeout = .seconds(3)
        // Heartbeats would notice a silent peer only while the loop reads, never while it is parked in a write.
        configuration.heartbeatSeconds = 60
        let exchange = TestEnvironment.uniqueName("x_frozen")
        let topology = Topology(exchanges: [ExchangeDefinition(name: exchange, kind: .topic)])
        let publisher = AMQPPublisher(configuration: configuration, topology: topology, publishTimeout: .seconds(30), logger: logger)
        try await publisher.waitUntilConnected()
        proxy.freeze()
        // Without a bound on writes the connection thread would never return, and neither would this test:
        // past 25 s the proxy closes its sockets, which frees the thread, and the test fails on time.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(25))
            proxy.stop()
        }
        defer { watchdog.cancel() }
        // 12 MB: more than the client's send buffer (4 MB at most) and the proxy's fixed receive buffer
        // together, so the connection thread ends up waiting for the socket to drain. Nothing is bound to
        // the exchange: the broker confirms and drops them once they arrive over the new connection.
        let body = [UInt8](repeating: 0x2a, count: 256 * 1024)
        let messages = (0..<48).map { OutgoingMessage(exchange: exchange, routingKey: "frozen", body: body, messageID: "frozen-\($0)", mandatory: false, persistent: false) }
        let clock = ContinuousClock()
        let start = clock.now
        let results = await publisher.publish(messages)
        let took = start.duration(to: clock.now)
        for case .failure(let error) in results { Issue.record("a publish failed: \(error)") }
        #expect(publisher.connections == 2)
        #expect(took < .seconds(20), "publishing took \(took)")
        await publisher.close()
    }
}
