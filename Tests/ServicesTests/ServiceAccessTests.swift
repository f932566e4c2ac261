import AdminCommands
import BrokerTopology
import ClassifierService
import CouncilAuditService
import Foundation
import Messaging
import Persistence
import PostgresNIO
import RouterService
import ServiceHosting
import Testing
import TestSupport

/// Each pipeline service's own PostgreSQL role and RabbitMQ user, provisioned on the test stack by the code
/// `make run` runs (`open137 services provision`): a stage works in its own schema and on its own queues, and
/// is refused (SQLSTATE 42501, `ACCESS_REFUSED`) on another stage's.
@Suite("Service access", .serialized, .timeLimit(.minutes(3)))
struct ServiceAccessTests {
    private let logger = TestEnvironment.logger("service-access")

    /// The test stack's administrator, as `make run` passes it to the provisioning step.
    private func adminEnvironment() throws -> [String: String] {
        let management = try #require(ProcessInfo.processInfo.environment["RABBITMQ_MANAGEMENT_URL"], "RABBITMQ_MANAGEMENT_URL is not set (start the test stack)")
        return ["DATABASE_URL": try TestEnvironment.databaseURL(), "AMQP_URL": try TestEnvironment.amqpURL(), "RABBITMQ_MANAGEMENT_URL": management]
    }

    /// Runs `body` with a client connected through `url`.
    private func withClient<Result: Sendable>(_ url: String, _ body: (PostgresClient) async throws -> Result) async throws -> Result {
        var environment = EnvironmentConfig(environment: ["DATABASE_URL": url])
        let database = environment.databaseURL()
        try environment.validate()
        let client = PostgresClient(configuration: database.clientConfiguration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// The SQLSTATE `statement` fails with, or nil when it succeeds.
    private func sqlState(_ client: PostgresClient, _ statement: String) async -> String? {
        do {
            try await client.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            return nil
        } catch let error as PSQLError {
            return error.serverInfo?[.sqlState] ?? "\(error.code)"
        } catch {
            return "\(error)"
        }
    }

    /// An AMQP configuration for `url` (a service's own) with fast reconnects.
    private func amqpConfiguration(_ url: String, _ name: String) throws -> AMQPConfiguration {
        var configuration = try AMQPConfiguration(url: url, connectionName: "service-access-\(name)")
        configuration.initialReconnectDelay = .milliseconds(50)
        configuration.maximumReconnectDelay = .milliseconds(500)
        return configuration
    }

    /// Nil when a consumer of `queue` declaring `topology` connects through `url`; the broker's reply code otherwise.
    private func consumes(_ url: String, _ queue: String, topology: Topology = Topology()) async throws -> Int? {
        try await BrokerAccess.consumeRefusal(url: url, queue: queue, topology: topology, logger: logger)
    }

    /// Whether `pattern` (a RabbitMQ permission) matches all of `name`.
    private func matches(_ pattern: String, _ name: String) -> Bool {
        guard let expression = try? NSRegularExpression(pattern: pattern) else {
            Issue.record("not a regular expression: \(pattern)")
            return false
        }
        return expression.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
    }

    @Test("each service's broker permissions name its own queues and the exchanges it needs, nothing of another stage")
    func permissionsInCode() {
        let classifier = Open137Topology.serviceUser(.classifier)
        #expect(classifier.name == "open137-classifier")
        #expect(matches(classifier.read, "classifier.reports") && !(matches(classifier.read, "router.reports")))
        #expect(matches(classifier.configure, "classifier.reports.dlq") && !(matches(classifier.configure, "unit.parks")))
        #expect(matches(classifier.write, "open137.events") && !(matches(classifier.write, "open137.units")))
        #expect(!(matches(classifier.write, "amq.default")) && !(matches(classifier.read, "classifierXreports")))
        let router = Open137Topology.serviceUser(.router)
        #expect(matches(router.write, "open137.units") && matches(router.configure, "unit.parks") && !(matches(router.read, "unit.parks")))
        let intake = Open137Topology.serviceUser(.intake)
        #expect(matches(intake.write, "amq.default") && matches(intake.configure, "intake.rejected"))
        #expect(Set(Open137Topology.serviceUsers.map(\.name)).count == ServiceName.allCases.count)
        #expect(ServiceIdentity.all.map(\.databaseRole) == ["open137_intake", "open137_classifier", "open137_router", "open137_notifier", "open137_council_audit", "open137_desk"])
        #expect(ServiceIdentity.all.last?.brokerUser == nil)
    }

    @Test("a provisioned stage migrates and works in its own schema as its own role, and is refused (42501) on another stage's schema and on public")
    func databaseRoles() async throws {
        let credentials = try await ServicesCommand.Provision.provision(ServiceIdentity.all, environment: try adminEnvironment(), logger: logger)
        #expect(credentials.map(\.identity) == ServiceIdentity.all)
        let classifier = try #require(credentials.first { $0.identity.name == "classifier" })
        let audit = try #require(credentials.first { $0.identity.name == "council-audit" })
        #expect(classifier.databaseURL.contains("open137_classifier:") && classifier.environmentLines.hasPrefix("CLASSIFIER_DATABASE_URL="))

        // What each service does at start: migrate its schema as itself (nothing left, or everything, as its role).
        try await withClient(classifier.databaseURL) { client in
            try await Migrator(client: client, logger: logger).migrate(schema: ClassifierStage.schema, bundle: ClassifierStage.migrationsBundle)
        }
        try await withClient(try TestEnvironment.databaseURL()) { admin in
            try await Migrator(client: admin, logger: logger).migrate(schema: RouterStage.schema, bundle: RouterStage.migrationsBundle)
        }
        try await withClient(audit.databaseURL) { client in
            try await Migrator(client: client, logger: logger).migrate(schema: CouncilAuditStage.schema, bundle: CouncilAuditStage.migrationsBundle)
            // Its appends run as the audit log's writer, which the owner role may become.
            #expect(await sqlState(client, "SET ROLE \(AuditLog.writerRole)") == nil)
        }

        try await withClient(classifier.databaseURL) { client in
            // Its own schema: read, write, and the migration records of its own schema only.
            #expect(await sqlState(client, "SELECT count(*) FROM classifier.classifications") == nil)
            #expect(await sqlState(client, "INSERT INTO classifier.inbox (consumer, event_id) VALUES ('service-access-test', gen_random_uuid()::text)") == nil)
            #expect(await sqlState(client, "DELETE FROM classifier.inbox WHERE consumer = 'service-access-test'") == nil)
            let rows = try await client.query("SELECT DISTINCT schema_name FROM public.open137_migrations", logger: logger)
            var schemas: [String] = []
            for try await schema in rows.decode(String.self) { schemas.append(schema) }
            #expect(schemas == ["classifier"])
            #expect(await sqlState(client, "INSERT INTO public.open137_migrations (schema_name, component, version, name, checksum, execution_ms) VALUES ('router', 'service', 999, 'x', 'x', 0)") == "42501")

            // Another stage's schema, public, and administrator's rights: refused.
            #expect(await sqlState(client, "SELECT count(*) FROM router.reports") == "42501")
            #expect(await sqlState(client, "SELECT count(*) FROM intake.outbox") == "42501")
            #expect(await sqlState(client, "SELECT count(*) FROM council_audit.audit_log") == "42501")
            #expect(await sqlState(client, "CREATE TABLE public.service_access_test (id int)") == "42501")
            #expect(await sqlState(client, "CREATE SCHEMA service_access_test") == "42501")
            #expect(await sqlState(client, "CREATE ROLE service_access_test") == "42501")
        }

        try await withClient(try TestEnvironment.databaseURL()) { admin in
            let rows = try await admin.query(
                """
                SELECT r.rolname, r.rolsuper OR r.rolcreatedb OR r.rolcreaterole OR r.rolreplication OR r.rolbypassrls,
                       (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = \(classifier.identity.schema)),
                       (SELECT count(*) FROM pg_tables WHERE schemaname = \(classifier.identity.schema) AND tableowner <> r.rolname)
                FROM pg_roles r WHERE r.rolname = \(classifier.identity.databaseRole)
                """, logger: logger)
            for try await (role, privileged, owner, foreignTables) in rows.decode((String, Bool, String, Int).self) {
                #expect(role == "open137_classifier" && !privileged && owner == role && foreignTables == 0)
            }
        }
    }

    @Test("a provisioned stage's broker user declares and consumes its own queue, publishes its events, and gets ACCESS_REFUSED on another stage's queue and exchange")
    func brokerUsers() async throws {
        let credentials = try await ServicesCommand.Provision.provision(
            ServiceIdentity.all.filter { $0.name == "classifier" || $0.name == "router" }, environment: try adminEnvironment(), logger: logger)
        let classifier = try #require(credentials.first { $0.identity.name == "classifier" }?.amqpURL)
        let router = try #require(credentials.first { $0.identity.name == "router" }?.amqpURL)

        // The administrator declares the topology first (`open137 topology declare`, as make run does): creating a
        // retry queue, whose dead-letter exchange is the default one, would need write on amq.default.
        let declarer = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "service-access-declare"),
                                     topology: ClassifierStage.topology.merging(RouterStage.topology), logger: logger)
        try await declarer.waitUntilConnected(timeout: .seconds(15))
        await declarer.close()

        // Its own: the whole topology the service declares at start (exchanges, queues, DLQs, bindings), then consuming.
        #expect(try await consumes(classifier, ClassifierStage.reportsQueue, topology: ClassifierStage.topology) == nil)
        #expect(try await consumes(router, RouterStage.reportsQueue, topology: RouterStage.topology) == nil)

        // Another stage's queue, a unit's queue.
        #expect(try await consumes(classifier, RouterStage.reportsQueue) == 403)
        #expect(try await consumes(classifier, Open137Topology.unitQueue("parks")) == 403)
        #expect(try await consumes(router, "notifier.events") == 403)

        let publisher = AMQPPublisher(configuration: try amqpConfiguration(classifier, "publisher"), topology: ClassifierStage.topology, logger: logger)
        try await publisher.waitUntilConnected(timeout: .seconds(8))
        // Its own event exchange: confirmed (unbound key, not mandatory: the broker drops it).
        try await publisher.publish(OutgoingMessage(exchange: Open137Topology.eventsExchange, routingKey: "service-access.test", body: Array("{}".utf8), mandatory: false))
        // The units' exchange belongs to the router: refused.
        var refused: AMQPError?
        do {
            try await publisher.publish(OutgoingMessage(exchange: Open137Topology.unitsExchange, routingKey: "parks.d05", body: Array("{}".utf8), mandatory: false))
        } catch {
            refused = error
        }
        await publisher.close()
        let error = try #require(refused, "the classifier published to \(Open137Topology.unitsExchange)")
        #expect(error.replyCode == 403 && error.message.contains("ACCESS_REFUSED"), "\(error)")
    }
}
