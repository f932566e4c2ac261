import ServiceHosting
import ArgumentParser
import Foundation
import Messaging

/// `open137-load bench …`: benchmarks that print numbers.
public struct BenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (messaging against the local stack, the classifier alone); they print numbers.",
        subcommands: [MessagingBenchCommand.self, ClassifierBenchCommand.self, IntakeBenchCommand.self, AuditBenchCommand.self, RouterBenchCommand.self, NotifierBenchCommand.self, PayloadBenchCommand.self]
    )
    public init() {}
}

/// `open137-load bench messaging`.
public struct MessagingBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "messaging",
        abstract: "Publish with pipelined vs. per-message confirms, consume with manual acks, resident memory."
    )

    @Option(help: "Messages published with pipelined confirms (and then consumed).")
    var messages: Int = 50_000
    @Option(help: "Messages published waiting for each confirm.")
    var sequentialMessages: Int = 2_000
    @Option(help: "Publisher confirms in flight at once.")
    var window: Int = 1024
    @Option(help: "Consumer prefetch.")
    var prefetch: UInt16 = 100
    @Option(help: "Body size in bytes.")
    var bytes: Int = 500

    public init() {}

    public func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["AMQP_URL"] else {
            throw ValidationError("AMQP_URL is not set (make bench-messaging sets it from .local/run/stack.env)")
        }
        let configuration = try AMQPConfiguration(url: url, connectionName: "open137-bench")
        let benchmark = MessagingBenchmark(
            configuration: configuration, pipelinedCount: messages, sequentialCount: sequentialMessages,
            confirmWindow: window, prefetch: prefetch, messageBytes: bytes)
        print("open137-load bench messaging — broker \(configuration.redactedURL), persistent \(bytes)-byte messages, quorum queue")
        let result = try await benchmark.run(logger: ToolLogging.logger("bench"))
        let ratio = result.pipelinedPublishRate / max(result.sequentialPublishRate, 1)
        print(String(format: "publish, pipelined confirms (window %d, %d msgs): %10.0f msg/s", window, messages, result.pipelinedPublishRate))
        print(String(format: "publish, one confirm at a time (%d msgs):        %10.0f msg/s", sequentialMessages, result.sequentialPublishRate))
        print(String(format: "pipelined / one-at-a-time:                         %10.1f x", ratio))
        print(String(format: "consume, manual acks, prefetch %d:                %10.0f msg/s", prefetch, result.consumeRate))
        print(String(format: "resident memory: %.1f MiB (peak %.1f MiB)", result.residentMiB, result.peakResidentMiB))
        let goal = 8_000.0
        print(result.pipelinedPublishRate >= goal
            ? String(format: "goal ≥ %.0f msg/s pipelined: met", goal)
            : String(format: "goal ≥ %.0f msg/s pipelined: NOT met", goal))
    }
}
