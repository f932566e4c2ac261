import ArgumentParser

/// `open137`: the admin tool — migrations, broker topology, benchmarks. Later issues add subcommands.
@available(macOS 10.15, *)
public struct Open137Command: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "open137",
        abstract: "Open137 administration: migrations, broker topology, benchmarks, the classifier.",
        subcommands: [MigrateCommand.self, TopologyCommand.self, KeysCommand.self, UnitsCommand.self, ServicesCommand.self, WebhooksCommand.self, DLQCommand.self, BenchCommand.self, ClassifyCommand.self, AuditCommand.self, CouncilCommand.self, LoadgenCommand.self]
    )
    public init() {}
}
