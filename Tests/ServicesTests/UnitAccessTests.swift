import AdminCommands
import BrokerTopology
import Foundation
import Messaging
import RouterService
import TestSupport
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The units' RabbitMQ users, provisioned on the test broker from `Open137Topology`'s permissions
/// through the management API (by hand and by `open137 units provision`): a unit reads its own queue and
/// is refused (`ACCESS_REFUSED`) on another's.
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
        let declarer = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "unit-access-declare"), topology: RouterStage.topology, logger: TestEnvironment.logger("unit-access"))
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

    /// The test broker's administrator and management URL, as `open137 units provision` reads them.
    private func environment() throws -> [String: String] {
        let environment = ProcessInfo.processInfo.environment
        let management = try #require(environment["RABBITMQ_MANAGEMENT_URL"], "RABBITMQ_MANAGEMENT_URL is not set (start the test stack)")
        return ["RABBITMQ_MANAGEMENT_URL": management, "AMQP_URL": try TestEnvironment.amqpURL()]
    }

    /// Whether `user` with `password` may consume `queue`; the broker's refusal code otherwise.
    private func consumes(_ user: String, _ password: String, _ queue: String) async throws -> Int? {
        var url = try #require(URLComponents(string: try TestEnvironment.amqpURL()))
        url.user = user
        url.password = password
        return try await BrokerAccess.consumeRefusal(url: try #require(url.string), queue: queue, logger: TestEnvironment.logger("unit-access"))
    }

    @Test("the provisioner creates a unit's user with a fresh password once, keeps it on a second run, rotates on request; the user is refused another unit's queue")
    func provisionerIsIdempotent() async throws {
        let provisioner = try UnitsCommand.Provision.provisioner(environment: try environment())
        // A user of its own with the parks permissions, so that earlier runs and the other tests do not matter.
        var parks = Open137Topology.unitUser("parks")
        parks.name = "unit-parks-test-\(UUID().uuidString.prefix(8))"

        let first = try await provisioner.provision([parks])
        let password = try #require(first.first?.password)
        #expect(first.map { $0.name } == [parks.name] && password.count == 43 && !password.contains("/"))
        #expect(try await consumes(parks.name, password, "unit.parks") == nil)
        #expect(try await consumes(parks.name, password, "unit.roads") == 403)

        // Again: nothing new, the password still works.
        #expect(try await provisioner.provision([parks]) == [ProvisionedUser(name: parks.name, password: nil)])
        #expect(try await consumes(parks.name, password, "unit.parks") == nil)

        // Rotated: a new password works, the old one no longer logs in.
        let rotated = try #require(try await provisioner.provision([parks], rotate: true).first?.password)
        #expect(rotated != password)
        #expect(try await consumes(parks.name, rotated, "unit.parks") == nil)
        #expect(try await consumes(parks.name, password, "unit.parks") != nil)
    }

    @Test("open137 units provision --rotate --output writes every unit's and the council's password to a 0600 file; refuses an existing file, an unknown unit, a wrong administrator")
    func provisionCommand() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        var command = try UnitsCommand.Provision.parse(["--rotate", "--output", file])
        try await command.run()
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map { $0.split(separator: " ") }
        #expect(lines.map { String($0[0]) } == Open137Topology.brokerUsers.map(\.name))
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let parks = try #require(lines.first { $0[0] == "unit-parks" })
        #expect(try await consumes("unit-parks", String(parks[1]), "unit.parks") == nil)
        #expect(try await consumes("unit-parks", String(parks[1]), "unit.traffic") == 403)
        let council = try #require(lines.first { $0[0] == "council" })
        #expect(try await consumes("council", String(council[1]), Open137Topology.councilQueue) == nil)
        #expect(try await consumes("council", String(council[1]), "unit.parks") == 403)

        // The file exists now: refused before anything is changed.
        command = try UnitsCommand.Provision.parse(["--output", file])
        await #expect(throws: (any Error).self) { try await command.run() }
        #expect(throws: (any Error).self) { try UnitsCommand.Provision.parse(["--unit", "nobody"]) }

        var wrong = try environment()
        wrong["AMQP_URL"] = "amqp://guest:not-the-password@127.0.0.1:1/"
        let refused = try UnitsCommand.Provision.provisioner(environment: wrong)
        let error = await #expect(throws: ProvisioningError.self) { () async throws in try await refused.provision([Open137Topology.unitUser("parks")]) }
        #expect(error?.code == .unauthorized)
        #expect(throws: ProvisioningError.self) { try UnitsCommand.Provision.provisioner(environment: [:]) }
    }
}
