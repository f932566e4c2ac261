import ArgumentParser
import CouncilAuditService
import Foundation
import PostgresNIO
import ServiceHosting
import Stages

/// `open137 audit verify`: walks the council audit chain; exit 1 naming the first broken entry.
public struct AuditCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The council audit log.", subcommands: [AuditVerifyCommand.self])
    public init() {}
}

/// `open137 audit verify`.
public struct AuditVerifyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Verify the council audit hash chain (reads DATABASE_URL); exit 1 naming the first broken entry.")
    @Option(help: "The schema of the log.")
    var schema = CouncilAuditStage.schema
    public init() {}

    public func run() async throws {
        var environment = EnvironmentConfig()
        let database = environment.databaseURL(ServiceConfiguration.databaseURLKey)
        try environment.validate()
        let logger = ToolLogging.logger("audit")
        let client = PostgresClient(configuration: StageRuntime.clientConfiguration(database.clientConfiguration, schema: schema), backgroundLogger: logger)
        let result = try await withThrowingTaskGroup(of: ChainVerification?.self) { group in
            group.addTask { await client.run(); return nil }
            defer { group.cancelAll() }
            return try await AuditLog(client: client, logger: logger).verify()
        }
        guard let broken = result.firstBroken else {
            print("audit chain verified: \(result.entries ?? 0) entries")
            return
        }
        print("audit chain BROKEN at \(broken) (\(result.entries ?? 0) entries verified before it)")
        throw ExitCode(1)
    }
}
