import AdminCommands
import AsyncHTTPClient
import BrokerTopology
import Contracts
import DeskService
import Foundation
import Logging
import Messaging
import NIOCore
import Persistence
import PostgresNIO
import RouterService
import ServiceHosting
import ServiceLifecycle
import StaffAccounts
import TestSupport

/// What the desk's tests run against: the real router and the real desk (both whole service groups, as
/// deployed) on the test broker and database; the parks and traffic units' broker users with new
/// passwords (as `open137 units provision` makes them); a staff account for each unit's desk.
struct DeskStack: Sendable {
    let deskURL: String
    let parksStaff: String
    let trafficStaff: String
    let publisher: AMQPPublisher
    let logger: Logger

    /// The password of both staff accounts.
    static let password = "a desk password for tests"

    /// Starts router and desk, runs `body`, stops them.
    /// Linking duplicates is off unless `linkDuplicates`: the other tests send many alike reports to one
    /// test address, each meant as a case of its own.
    static func run(linkDuplicates: Bool = false, _ body: @Sendable (DeskStack) async throws -> Void) async throws {
        let logger = TestEnvironment.logger("desk-tests")
        let admin = try TestEnvironment.amqpURL()
        let database = try TestEnvironment.databaseURL()
        // The administrator declares what the router declares (the unit queues among it), as `open137 topology declare` does.
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "desk-tests"), topology: RouterStage.topology, logger: logger)
        try await publisher.waitUntilConnected(timeout: .seconds(15))
        let management = ProcessInfo.processInfo.environment["RABBITMQ_MANAGEMENT_URL"] ?? ""
        let provisioned = try await UnitsCommand.Provision.provisioner(environment: ["AMQP_URL": admin, "RABBITMQ_MANAGEMENT_URL": management])
            .provision([Open137Topology.unitUser("parks"), Open137Topology.unitUser("traffic")], rotate: true)
        let units = provisioned.map { "\($0.name.dropFirst("unit-".count)):\($0.password ?? "")" }.joined(separator: ",")

        let suffix = UUID().uuidString.prefix(8).lowercased()
        let parksStaff = "parks-\(suffix)", trafficStaff = "traffic-\(suffix)"
        try await withPostgres(database, logger: logger) { client in
            try await Migrator(client: client, logger: logger).migrate(schema: StaffDirectory.schema, bundle: StaffDirectory.migrationsBundle)
            let directory = StaffDirectory(client: client, logger: logger, passwordCost: 4)
            _ = try await directory.add(username: parksStaff, displayName: "Parks desk \(suffix)", roles: ["unit:parks"], password: password)
            _ = try await directory.add(username: trafficStaff, displayName: "Traffic desk \(suffix)", roles: ["unit:traffic"], password: password)
        }

        let routerOps = try freePort(), deskOps = try freePort(), deskPort = try freePort()
        let router = try build(RouterSettings.self, name: RouterStage.name, environment: [
            "AMQP_URL": admin, "DATABASE_URL": database, "OPS_PORT": String(routerOps),
            "ROUTER_UNKNOWN_REPORT_RETRIES": "1", "ROUTER_OUT_OF_ORDER_RETRIES": "1", "ROUTER_LINK_DUPLICATES": linkDuplicates ? "true" : "false",
        ]) { try RouterStage.build($0, gracefulShutdownSignals: []) }
        let desk = try build(DeskSettings.self, name: DeskStage.name, environment: [
            "AMQP_URL": admin, "DATABASE_URL": database, "OPS_PORT": String(deskOps), "DESK_PORT": String(deskPort), "DESK_UNITS": units,
        ]) { try DeskStage.build($0, gracefulShutdownSignals: []) }
        let running = Task {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await router.run() }
                group.addTask { try await desk.run() }
            }
        }
        defer { running.cancel() }
        for port in [routerOps, deskOps] {
            try await withTimeout(.seconds(90), "ops port \(port) to report ready") {
                while true {
                    if (try? await DeskBrowser.status("http://127.0.0.1:\(port)/ready")) == 200 { return }
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
        }
        let stack = DeskStack(deskURL: "http://127.0.0.1:\(deskPort)", parksStaff: parksStaff, trafficStaff: trafficStaff, publisher: publisher, logger: logger)
        do {
            try await body(stack)
        } catch {
            await stop(router, desk, running, publisher)
            throw error
        }
        await stop(router, desk, running, publisher)
    }

    private static func stop(_ router: ServiceGroup, _ desk: ServiceGroup, _ running: Task<Void, any Error>, _ publisher: AMQPPublisher) async {
        await desk.triggerGracefulShutdown()
        await router.triggerGracefulShutdown()
        _ = try? await withTimeout(.seconds(40), "router and desk to stop") { try await running.value }
        await publisher.close()
    }

    private static func build<Settings: ServiceSettings>(
        _ settings: Settings.Type, name: String, environment: [String: String], _ build: (ServiceSetup<Settings>) throws -> ServiceGroup
    ) throws -> ServiceGroup {
        let loaded = try ServiceConfiguration.load(settings, environment: environment, defaultOpsPort: 1)
        return try build(ServiceSetup(name: name, configuration: loaded.service, settings: loaded.settings,
                                      logger: TestEnvironment.logger(name), registry: MetricsBootstrap.bootstrap()))
    }

    /// Runs `body` with a client of `url`.
    static func withPostgres<T: Sendable>(_ url: String, logger: Logger, _ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        var environment = EnvironmentConfig(environment: ["DATABASE_URL": url])
        let client = PostgresClient(configuration: environment.databaseURL("DATABASE_URL").clientConfiguration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// Publishes a new classified report of `code` in `district` for the router; its report id and tracking code.
    func report(_ code: String, district: Int, contactAllowed: Bool = false, description: String, address: String = "خیابان آزمایش") async throws -> (id: String, code: String) {
        let trackingCode = String(Int.random(in: 1_000_000_000...9_999_999_999))
        let (event, reportID) = try SampleEventData.classifiedEvent(
            code: code, location: ReportLocation(address: address, district: district), contactAllowed: contactAllowed,
            description: description, trackingCode: trackingCode)
        try await publisher.publish(try event.message(exchange: Open137Topology.eventsExchange))
        return (reportID, trackingCode)
    }

    /// A browser signed in as `username`.
    func signedIn(_ username: String) async throws -> DeskBrowser {
        let browser = DeskBrowser(base: deskURL)
        try await browser.signIn(username, Self.password)
        return browser
    }

    /// Runs SQL as the administrator (to look into the desk's schemas, or to make a desk's view stale).
    func database<T: Sendable>(_ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        try await Self.withPostgres(try TestEnvironment.databaseURL(), logger: logger, body)
    }
}
