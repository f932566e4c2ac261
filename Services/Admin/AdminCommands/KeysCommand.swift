import ArgumentParser
import BrokerTopology
import Foundation
import IntakeService
import Persistence
import PostgresNIO
import ServiceHosting
import Stages

/// `open137 keys …`: the channels' API keys for intake.
public struct KeysCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage the channels' API keys (stored hashed in intake's schema; reads DATABASE_URL).",
        subcommands: [CreateKey.self]
    )
    public init() {}

    /// `open137 keys create --channel NAME`: prints a new key once; only its hash is stored.
    public struct CreateKey: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create an API key for a channel and print it (it is not shown again)."
        )

        @Option(help: "The channel the key submits for (\(SubmissionValidator.channels.sorted().joined(separator: ", "))), or unit:<unit> / council for status updates.")
        var channel: String

        public init() {}

        /// Report channels, `unit:<unit>` for a unit's status updates, or `council`.
        static var allowed: [String] {
            SubmissionValidator.channels.sorted() + Open137Topology.unitCodes.map { "unit:\($0)" } + ["council"]
        }

        public func validate() throws {
            guard Self.allowed.contains(channel) else {
                throw ValidationError("unknown channel \(channel); one of \(Self.allowed.joined(separator: ", "))")
            }
        }

        public func run() async throws {
            var environment = EnvironmentConfig()
            let database = environment.databaseURL(ServiceConfiguration.databaseURLKey)
            try environment.validate()
            let logger = ToolLogging.logger("keys")
            let configuration = StageRuntime.clientConfiguration(database.clientConfiguration, schema: IntakeStage.schema)
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                // The keys table is intake's: make sure its schema is there (idempotent, safe beside a running intake).
                try await Migrator(client: client, logger: logger).migrate(schema: IntakeStage.schema, bundle: IntakeStage.migrationsBundle)
                let key = try await APIKeyStore(client: client, logger: logger).create(channel: channel)
                print(key)
            }
        }
    }
}
