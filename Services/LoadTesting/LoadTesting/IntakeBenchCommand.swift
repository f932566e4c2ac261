import ArgumentParser
import AsyncHTTPClient
import Foundation

/// `open137-load bench intake`: drives a running intake's native API from this (second) process — the most
/// reports a second at a fixed concurrency, then the latency at a fixed rate — and prints the numbers.
/// `make bench-intake` starts a release intake on a private stack and also measures the database's own
/// ceiling for the same durable writes (pgbench), in the same run.
public struct IntakeBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "intake",
        abstract: "Accepted reports/s at fixed concurrency and p50/p99 latency at a fixed rate, against a running intake."
    )

    @Option(help: "Intake's base URL.")
    var url = "http://127.0.0.1:8137"
    @Option(help: "Clients sending reports back to back (closed loop).")
    var concurrency = 64
    @Option(help: "Seconds of the closed-loop phase.")
    var seconds = 20
    @Option(help: "Reports a second in the fixed-rate phase (open loop).")
    var rate = 500
    @Option(help: "Seconds of the fixed-rate phase.")
    var rateSeconds = 20
    @Option(help: "Seconds of warm-up before measuring (not counted).")
    var warmup = 3

    public init() {}

    public func run() async throws {
        guard let key = ProcessInfo.processInfo.environment["OPEN137_API_KEY"], !key.isEmpty else {
            throw ValidationError("OPEN137_API_KEY is not set (make bench-intake sets it)")
        }
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(concurrency, 64))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let load = IntakeLoad(baseURL: url, apiKey: key, client: client)
        do {
            print("open137-load bench intake — \(url), native JSON reports, every accepted report committed durably with its event")
            let cpuBefore = Self.processCPUSeconds()
            _ = await load.closedLoop(concurrency: concurrency, duration: .seconds(warmup))
            let closed = await load.closedLoop(concurrency: concurrency, duration: .seconds(seconds))
            print(Self.line("closed loop, \(concurrency) clients, \(seconds) s", closed))
            let open = await load.openLoop(rate: rate, duration: .seconds(rateSeconds))
            print(Self.line("fixed rate \(rate)/s, \(rateSeconds) s", open))
            let driverCPU = Self.processCPUSeconds() - cpuBefore
            print(String(format: "load generator (this process): %.0f µs CPU per report sent", 1e6 * driverCPU / Double(max(closed.accepted + open.accepted, 1))))
            print("RESULT accepted_per_s=\(Int(closed.rate)) closed_p50_ms=\(Self.ms(closed.percentile(0.5))) closed_p99_ms=\(Self.ms(closed.percentile(0.99))) rate_p50_ms=\(Self.ms(open.percentile(0.5))) rate_p99_ms=\(Self.ms(open.percentile(0.99))) rate_achieved=\(Int(open.rate)) failures=\(closed.failures.values.reduce(0, +) + open.failures.values.reduce(0, +))")
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private static func line(_ title: String, _ result: IntakeLoad.Result) -> String {
        let failures = result.failures.isEmpty ? "none" : result.failures.sorted { $0.key < $1.key }.map { "\($0.key == 0 ? "no answer" : String($0.key)): \($0.value)" }.joined(separator: ", ")
        return String(
            format: "%-34@ %8.0f accepted/s   p50 %6.1f ms   p99 %6.1f ms   max %7.1f ms   (%d accepted; failures: %@)",
            title as NSString, result.rate, result.percentile(0.5), result.percentile(0.99), result.latencies.max() ?? .nan, result.accepted, failures as NSString
        )
    }

    private static func ms(_ value: Double) -> String { String(format: "%.1f", value) }

    /// User + system CPU seconds of this process so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
