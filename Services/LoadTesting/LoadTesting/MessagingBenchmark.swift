import Foundation
import Logging
import Messaging

/// `open137-load bench messaging`: persistent 500-byte messages against the real broker — pipelined confirms
/// vs. one confirm at a time, consuming with manual acks, and the process's resident memory.
public struct MessagingBenchmark: Sendable {
    /// What one run measured.
    public struct Result: Sendable {
        /// Messages per second with a window of confirms in flight.
        public var pipelinedPublishRate: Double
        /// Messages per second waiting for each confirm before the next publish.
        public var sequentialPublishRate: Double
        /// Messages per second consumed and acked one by one.
        public var consumeRate: Double
        /// Resident memory now and at its peak, in MiB.
        public var residentMiB: Double
        /// Peak resident memory, in MiB.
        public var peakResidentMiB: Double
    }

    /// Broker to measure.
    public var configuration: AMQPConfiguration
    /// Messages for the pipelined run (and the consume run).
    public var pipelinedCount: Int
    /// Messages for the one-at-a-time run.
    public var sequentialCount: Int
    /// Confirms in flight at once.
    public var confirmWindow: Int
    /// Consumer prefetch.
    public var prefetch: UInt16
    /// Message body size.
    public var messageBytes: Int

    /// Creates a benchmark with the defaults.
    public init(configuration: AMQPConfiguration, pipelinedCount: Int = 50_000, sequentialCount: Int = 2_000, confirmWindow: Int = 1024, prefetch: UInt16 = 100, messageBytes: Int = 500) {
        self.configuration = configuration
        self.pipelinedCount = pipelinedCount
        self.sequentialCount = sequentialCount
        self.confirmWindow = confirmWindow
        self.prefetch = prefetch
        self.messageBytes = messageBytes
    }

    /// The benchmark's own quorum queue, emptied again by the consume phase.
    static let queue = "open137.bench"
    static let exchange = "open137.bench"

    /// Runs the three phases once and returns the numbers.
    public func run(logger: Logger) async throws -> Result {
        let topology = Topology(
            exchanges: [ExchangeDefinition(name: Self.exchange, kind: .direct)],
            queues: [QueueDefinition(name: Self.queue, arguments: ["x-queue-type": .string("quorum")])],
            bindings: [BindingDefinition(exchange: Self.exchange, queue: Self.queue, routingKey: "bench")]
        )
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: messageBytes)
        func message() -> OutgoingMessage {
            OutgoingMessage(exchange: Self.exchange, routingKey: "bench", body: body, contentType: "application/octet-stream")
        }
        let publisher = AMQPPublisher(configuration: configuration, topology: topology, confirmWindow: confirmWindow, publishTimeout: .seconds(120), logger: logger)
        try await publisher.waitUntilConnected()
        let clock = ContinuousClock()

        // Warm-up: connection, queue leader, allocator.
        _ = await publisher.publish((0..<1_000).map { _ in message() })

        let batch = (0..<pipelinedCount).map { _ in message() }
        let pipelinedTime = try await clock.measure {
            let results = await publisher.publish(batch)
            let failures = results.filter { if case .failure = $0 { true } else { false } }.count
            if failures > 0 { throw BenchmarkFailure(message: "\(failures) pipelined publishes failed") }
        }

        let sequentialTime = try await clock.measure {
            for _ in 0..<sequentialCount {
                try await publisher.publish(message())
            }
        }
        await publisher.close()

        let expected = 1_000 + pipelinedCount + sequentialCount
        let consumer = AMQPConsumer(configuration: configuration, queue: Self.queue, prefetch: prefetch, topology: topology, logger: logger)
        try await consumer.waitUntilConnected()
        var consumed = 0
        let consumeTime = try await clock.measure {
            for await delivery in consumer.deliveries {
                try await delivery.ack()
                consumed += 1
                if consumed == expected { break }
            }
        }
        await consumer.stop()
        guard consumed == expected else {
            throw BenchmarkFailure(message: "consumed \(consumed) of \(expected) messages")
        }

        let memory = ResidentMemory.read()
        return Result(
            pipelinedPublishRate: Double(pipelinedCount) / pipelinedTime.seconds,
            sequentialPublishRate: Double(sequentialCount) / sequentialTime.seconds,
            consumeRate: Double(expected) / consumeTime.seconds,
            residentMiB: memory.current,
            peakResidentMiB: memory.peak
        )
    }
}

/// The benchmark could not complete.
public struct BenchmarkFailure: Error, CustomStringConvertible {
    /// What went wrong.
    public let message: String
    public var description: String { message }
}

/// Reads this process's resident set size from /proc.
enum ResidentMemory {
    static func read() -> (current: Double, peak: Double) {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
        func kib(_ field: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }) else { return 0 }
            return Double(line.split(separator: " ").compactMap { Double($0) }.first ?? 0)
        }
        return (kib("VmRSS:") / 1024, kib("VmHWM:") / 1024)
    }
}
