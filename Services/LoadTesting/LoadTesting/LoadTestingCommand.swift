import ArgumentParser

/// `open137-load`: the load generator and the benchmarks, apart from the admin tool so that neither links
/// what only the other needs and a deployment can ship `open137` without them.
public struct LoadTestingCommand: AsyncParsableCommand {
    /// The subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "open137-load",
        abstract: "Open137 load testing: the load generator and the benchmarks.",
        subcommands: [LoadgenCommand.self, BenchCommand.self]
    )

    /// Creates the command (ArgumentParser).
    public init() {}
}
