import ArgumentParser
import Foundation
import ServiceHosting

/// `open137-load loadgen`: realistic reports through the live pipeline — Persian, English and Finglish, every
/// service code, child reports among them, over HTTP (native and Open311) and AMQP — at a fixed rate or
/// closed-loop, for a given time; then it consumes the unit queues and the council's queue to check that
/// every accepted report arrived exactly once, and the audit log for one `report.received` and one
/// `report.routed` each. Prints a table and a `RESULT` line; exit 0 when nothing was lost or doubled,
/// 1 when something was, 2 for usage or configuration errors.
///
/// Reads `INTAKE_URL`, `OPEN137_API_KEY`, `AMQP_URL` and `DATABASE_URL` (`set -a; . .local/stack.env; set +a`).
public struct LoadgenCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "loadgen",
        abstract: "Realistic reports through the running pipeline; checks each reached its unit queue and the audit log exactly once."
    )

    @Option(help: "Open loop: reports a second, on a fixed schedule.")
    var rate: Double?
    @Option(help: "Closed loop: submitters sending the next report when the last was accepted.")
    var concurrency: Int?
    @Option(help: "Seconds of load.")
    var duration: Double
    @Option(help: "Channels used in turn: any of http, open311, amqp.")
    var channels = "http,open311,amqp"
    @Option(help: "Share of child-friendly city reports (0…1).")
    var childShare = 0.3
    @Option(help: "Seconds to wait after the load for reports still in the pipeline.")
    var drainTimeout = 30.0
    @Flag(help: "Only submit; do not consume the unit queues or check the audit log.")
    var noVerify = false
    @Option(help: "Write one line per accepted report (report id, tracking code, channel) to this file.")
    var idsFile: String?
    @Option(help: "Seed of the report generator (default: random).")
    var seed: UInt64?

    public init() {}

    public func validate() throws {
        guard (rate == nil) != (concurrency == nil) else { throw ValidationError("give either --rate or --concurrency") }
        if let rate, !(rate > 0 && rate.isFinite) { throw ValidationError("--rate must be a positive number") }
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        guard duration > 0, duration.isFinite else { throw ValidationError("--duration must be a positive number of seconds") }
        guard LoadgenChannel.parseList(channels) != nil else { throw ValidationError("--channels takes a comma-separated list of http, open311, amqp") }
        guard (0...1).contains(childShare) else { throw ValidationError("--child-share must be between 0 and 1") }
        guard drainTimeout >= 0, drainTimeout.isFinite else { throw ValidationError("--drain-timeout must be 0 or more seconds") }
    }

    public func run() async throws {
        let configuration: LoadgenConfiguration
        do {
            configuration = try makeConfiguration(environment: ProcessInfo.processInfo.environment)
        } catch {
            Self.printError("\(error)")
            throw ExitCode(2)
        }
        let result: LoadgenResult
        do {
            result = try await Loadgen(configuration: configuration, logger: ToolLogging.logger("loadgen")).run { Self.printError($0) }
        } catch let error as LoadgenError {
            Self.printError("\(error)")
            throw ExitCode(2)
        }
        print(result.table)
        print(result.resultLine)
        if result.exitStatus != 0 { throw ExitCode(result.exitStatus) }
    }

    /// The run's configuration from these options and `environment`; names every missing key at once.
    func makeConfiguration(environment: [String: String]) throws -> LoadgenConfiguration {
        let channelList = LoadgenChannel.parseList(channels) ?? LoadgenChannel.allCases
        var config = EnvironmentConfig(environment: environment)
        let intakeURL = config.url("INTAKE_URL", schemes: ["http", "https"])
        let apiKey = config.required("OPEN137_API_KEY", expected: "the channel's API key")
        let needsBroker = !noVerify || channelList.contains(.amqp)
        let amqpURL = needsBroker ? config.url("AMQP_URL", schemes: ["amqp"]) : config.optional("AMQP_URL")
        let databaseURL = noVerify ? nil : config.databaseURL("DATABASE_URL")
        try config.validate()
        return LoadgenConfiguration(
            mode: rate.map { .rate($0) } ?? .concurrency(concurrency ?? 1),
            duration: .milliseconds(Int64(duration * 1_000)), channels: channelList, childShare: childShare,
            drainTimeout: .milliseconds(Int64(drainTimeout * 1_000)), verify: !noVerify, idsFile: idsFile,
            intakeURL: intakeURL.hasSuffix("/") ? String(intakeURL.dropLast()) : intakeURL, apiKey: apiKey, amqpURL: amqpURL,
            databaseURL: databaseURL, seed: seed ?? UInt64.random(in: 0...UInt64.max))
    }

    /// Runs `open137-load loadgen <arguments>` and exits: 0, 1 (something lost or doubled), or 2 for any
    /// usage or configuration error — including the parse errors ArgumentParser would end with 64.
    public static func main(loadgenArguments arguments: [String]) async -> Never {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            guard exitCode(for: error) == .success else {
                printError(fullMessage(for: error))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }

    private static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
