@testable import Messaging
@testable import ServiceHosting
import Testing

/// Several broker addresses in one AMQP URL (the nodes of a cluster): how they are read, and in which order
/// a connection tries them when its node goes away.
@Suite("Broker addresses and their rotation", .timeLimit(.minutes(1)))
struct BrokerAddressTests {
    @Test("a comma-separated host list becomes the endpoints; user, password, vhost and query apply to all")
    func hostList() throws {
        let config = try AMQPConfiguration(url: "amqp://svc:s%40cret@127.0.0.1:5900,127.0.0.1:5901,node3/prod?heartbeat=4")
        #expect(config.endpoints == [
            AMQPEndpoint(host: "127.0.0.1", port: 5900), AMQPEndpoint(host: "127.0.0.1", port: 5901), AMQPEndpoint(host: "node3", port: 5672),
        ])
        #expect(config.user == "svc")
        #expect(config.password == "s@cret")
        #expect(config.vhost == "prod")
        #expect(config.heartbeatSeconds == 4)
        #expect(config.redactedURL == "amqp://svc:***@127.0.0.1:5900,127.0.0.1:5901,node3:5672/prod")
        #expect(!config.redactedURL.contains("cret"))
    }

    @Test("one host is read as before; host and port set the first address")
    func singleHost() throws {
        var config = try AMQPConfiguration(url: "amqp://guest:guest@127.0.0.1:5682/")
        #expect(config.endpoints == [AMQPEndpoint(host: "127.0.0.1", port: 5682)])
        #expect(config.host == "127.0.0.1" && config.port == 5682 && config.vhost == "/")
        config.port = 6000
        #expect(config.endpoints == [AMQPEndpoint(host: "127.0.0.1", port: 6000)])
        #expect(try AMQPConfiguration(url: "amqp://[::1]:5700,[::1]/").endpoints == [
            AMQPEndpoint(host: "::1", port: 5700), AMQPEndpoint(host: "::1", port: 5672),
        ])
    }

    @Test(
        "a malformed address anywhere in the list is refused",
        arguments: [
            "amqp://u:p@h1:5672,/", "amqp://u:p@,h2/", "amqp://u:p@h1:5672,h2:0/", "amqp://u:p@h1,h2:70000/",
            "amqp://u:p@h1,h2:x/", "amqp://u:p@h1,h2:/", "amqp://u:p@h1,a:b:5/", "amqp://u:p@h1,[::1/", "http://h1,h2/", "h1,h2",
        ])
    func malformed(url: String) {
        #expect(throws: AMQPError.self) { try AMQPConfiguration(url: url) }
    }

    @Test("the services' start-up check accepts a host list and refuses a bad one, naming only the key")
    func environmentValidation() throws {
        var good = EnvironmentConfig(environment: [
            "AMQP_URL": "amqp://svc:pw@127.0.0.1:5900,127.0.0.1:5901,127.0.0.1:5902/", "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/db",
        ])
        let config = ServiceConfiguration(reading: &good, defaultOpsPort: 9101)
        try good.validate()
        #expect(config.amqpURL.hasSuffix("@127.0.0.1:5900,127.0.0.1:5901,127.0.0.1:5902/"))

        var bad = EnvironmentConfig(environment: [
            "AMQP_URL": "amqp://svc:secret-pw@127.0.0.1:5900,127.0.0.1:99999/", "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/db",
        ])
        _ = ServiceConfiguration(reading: &bad, defaultOpsPort: 9101)
        let error = try #require(throws: ConfigurationError.self) { try bad.validate() }
        #expect(error.problems.map(\.key) == ["AMQP_URL"])
        #expect(!"\(error)".contains("secret-pw"))
    }

    @Test("new credentials go into the first host's URL; the host list is put back (open137 services provision)")
    func hostListKeptWithNewCredentials() throws {
        let hosts = try #require(AMQPURLHosts("amqp://guest:guest@127.0.0.1:5900,127.0.0.1:5901/?heartbeat=5"))
        #expect(hosts.firstHostURL == "amqp://guest:guest@127.0.0.1:5900/?heartbeat=5")
        #expect(hosts.puttingHostList(into: "amqp://open137-router:pw@127.0.0.1:5900/?heartbeat=5")
            == "amqp://open137-router:pw@127.0.0.1:5900,127.0.0.1:5901/?heartbeat=5")
        let single = try #require(AMQPURLHosts("amqp://guest:guest@127.0.0.1:5682/"))
        #expect(single.firstHostURL == "amqp://guest:guest@127.0.0.1:5682/")
        #expect(single.puttingHostList(into: "amqp://x:y@127.0.0.1:5682/") == "amqp://x:y@127.0.0.1:5682/")
        #expect(AMQPURLHosts("amqp://h1,h2")?.firstHostURL == "amqp://h1")
    }

    @Test("one address: the backoff the loop always had")
    func oneAddress() {
        var rotation = EndpointRotation(count: 1, start: 7, initialDelay: .milliseconds(100), maximumDelay: .milliseconds(400))
        #expect(rotation.index == 0)
        #expect(rotation.attemptFailed() == .milliseconds(100))
        #expect(rotation.attemptFailed() == .milliseconds(200))
        #expect(rotation.attemptFailed() == .milliseconds(400))
        #expect(rotation.attemptFailed() == .milliseconds(400))
        rotation.connected()
        // Lost right after opening: the delay doubles first; lost after living: the initial delay again.
        #expect(rotation.lost(livedLong: false) == .milliseconds(400))
        rotation.connected()
        #expect(rotation.lost(livedLong: true) == .milliseconds(100))
        #expect(rotation.attemptFailed() == .milliseconds(100))
        #expect(rotation.attemptFailed() == .milliseconds(200))
        #expect(rotation.index == 0)
    }

    @Test("several addresses: each failure moves to the next at once; only a whole failed round backs off")
    func rotationOrder() {
        var rotation = EndpointRotation(count: 3, start: 1, initialDelay: .milliseconds(100), maximumDelay: .seconds(5))
        var tried = [rotation.index]
        var delays: [Duration] = []
        for _ in 0..<7 {
            delays.append(rotation.attemptFailed())
            tried.append(rotation.index)
        }
        #expect(tried == [1, 2, 0, 1, 2, 0, 1, 2])
        // Rounds of three: two quick moves, then the doubling delay.
        #expect(delays == [.milliseconds(100), .milliseconds(100), .milliseconds(100),
                           .milliseconds(100), .milliseconds(100), .milliseconds(200), .milliseconds(100)])
    }

    @Test("a lost connection goes to the next node; a round counts the lost node as failed")
    func lostConnectionMovesOn() {
        var rotation = EndpointRotation(count: 3, start: 0, initialDelay: .milliseconds(100), maximumDelay: .seconds(5))
        #expect(rotation.attemptFailed() == .milliseconds(100))   // 0 refused → 1
        rotation.connected()
        #expect(rotation.index == 1)
        #expect(rotation.lost(livedLong: true) == .milliseconds(100))
        #expect(rotation.index == 2)
        #expect(rotation.attemptFailed() == .milliseconds(100))   // 2 refused → 0
        #expect(rotation.attemptFailed() == .milliseconds(100))   // 0 refused → 1: with the lost 1, a whole round
        #expect(rotation.index == 1)
        #expect(rotation.attemptFailed() == .milliseconds(100))
        rotation.connected()
        // Connections that die at once on every node back off like failed attempts (the round before
        // left the delay at 200 ms; a round of young deaths doubles it before waiting).
        #expect(rotation.lost(livedLong: false) == .milliseconds(100))
        #expect(rotation.lost(livedLong: false) == .milliseconds(100))
        #expect(rotation.lost(livedLong: false) == .milliseconds(400))
    }

    @Test("connections start at an address chosen by their name: stable, and spread over the nodes")
    func startSpreads() {
        let names = ["intake-events", "intake-submissions", "classifier-reports", "router-reports", "router-unit-updates",
                     "notifier-events", "council-audit-events", "router-2-reports", "classifier-2-reports"]
        let starts = names.map { EndpointRotation.start(for: $0, count: 3) }
        #expect(starts == names.map { EndpointRotation.start(for: $0, count: 3) })
        #expect(Set(starts).count == 3)
        #expect(starts.allSatisfy { (0..<3).contains($0) })
        #expect(EndpointRotation.start(for: "anything", count: 1) == 0)
    }
}
