import ArgumentParser
import ClassifierService
import CouncilAuditService
import DeskService
import Foundation
import IntakeService
import Logging
import NotifierService
import Persistence
import PostgresNIO
import RouterService
import ServiceHosting
import StaffAccounts

/// `open137 migrate`: applies every service's schema migrations (each once; safe beside running replicas).
public struct MigrateCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the SQL migrations of every service schema (reads DATABASE_URL)."
    )

    /// Every service schema with the bundle of its migrations, in pipeline order.
    static let schemas: [(schema: String, bundle: Bundle)] = [
        (IntakeStage.schema, IntakeStage.migrationsBundle),
        (ClassifierStage.schema, ClassifierStage.migrationsBundle),
        (RouterStage.schema, RouterStage.migrationsBundle),
        (NotifierStage.schema, NotifierStage.migrationsBundle),
        (CouncilAuditStage.schema, CouncilAuditStage.migrationsBundle),
        // Staff accounts: shared by the services with staff pages (intake, the desk, the dashboard).
        (StaffDirectory.schema, StaffDirectory.migrationsBundle),
    ] + DeskStage.schemas.map { ($0, DeskStage.migrationsBundle) }

    public init() {}

    public func run() async throws {
        var environment = EnvironmentConfig()
        let database = environment.databaseURL(ServiceConfiguration.databaseURLKey)
        try environment.validate()
        let logger = ToolLogging.logger("migrate")
        let client = PostgresClient(configuration: database.clientConfiguration, backgroundLogger: logger)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await DatabaseExtensions.ensure(client: client, logger: logger)
            for (schema, bundle) in Self.schemas {
                let report = try await Migrator(client: client, logger: logger).migrate(schema: schema, bundle: bundle)
                print("\(schema): \(report.applied.count) applied, \(report.alreadyApplied) already applied")
            }
        }
    }
}
