import ArgumentParser

/// `open137`: the admin tool — migrations, broker topology, keys and users, dead letters, the classifier,
/// the audit log, the council report. The load generator and the benchmarks are `open137-load`.
@available(macOS 10.15, *)
public struct Open137Command: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "open137",
        abstract: "Open137 administration: migrations, broker topology, keys and users, dead letters, the classifier, the audit log.",
        subcommands: [MigrateCommand.self, TopologyCommand.self, KeysCommand.self, StaffCommand.self, UnitsCommand.self, ServicesCommand.self, WebhooksCommand.self, DLQCommand.self, ClassifyCommand.self, AuditCommand.self, CouncilCommand.self]
    )
    public init() {}
}
