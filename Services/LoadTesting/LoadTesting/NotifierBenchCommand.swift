import ServiceHosting
import ArgumentParser
import BrokerTopology
import Contracts
import Foundation
import Messaging

/// `open137-load bench notifier`: notifications per second delivered by a running notifier to a local webhook
/// receiver. Runs the receiver (swift-nio, 204 to every POST, one signature in `--verify-every` checked),
/// publishes `--events` contract-valid `report.received` events without contact (so only the webhook
/// fires) to `open137.events` with pipelined confirms, and waits until every event was delivered; the rate
/// is distinct events over the time from the first delivery to the last. The notifier must have a
/// `report.*` subscription to `http://127.0.0.1:<--port>/hooks` with `--secret`; `make bench-notifier`
/// sets that up on a private stack.
public struct NotifierBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "notifier",
        abstract: "Notifications/s to a local webhook receiver through a running notifier (reads AMQP_URL)."
    )

    @Option(help: "Events to publish (each is one webhook notification).")
    var events: Int = 20_000
    @Option(help: "The receiver's port on 127.0.0.1 (the subscription's URL is http://127.0.0.1:PORT/hooks).")
    var port: Int = 19_204
    @Option(help: "The subscription's secret (signatures of a sample are verified with it).")
    var secret: String
    @Option(help: "Verify one signature in this many requests.")
    var verifyEvery: Int = 50
    @Option(help: "Seconds to wait for the last delivery.")
    var timeout: Int = 300

    public init() {}

    public func validate() throws {
        guard events > 0, verifyEvery > 0, (1...65_535).contains(port) else {
            throw ValidationError("--events and --verify-every must be positive, --port 1–65535")
        }
    }

    public func run() async throws {
        guard let url = ProcessInfo.processInfo.environment["AMQP_URL"] else {
            throw ValidationError("AMQP_URL is not set (make bench-notifier sets it)")
        }
        let logger = ToolLogging.logger("bench")
        let tally = WebhookBenchTally(verifyEvery: verifyEvery)
        let receiver = try await WebhookBenchReceiver(tally: tally, secret: secret).start(port: port)
        defer { receiver.close(promise: nil) }

        let configuration = try AMQPConfiguration(url: url, connectionName: "open137-bench-notifier")
        let messages = try (0..<events).map { try Self.received($0).message(exchange: Open137Topology.eventsExchange) }
        let publisher = AMQPPublisher(configuration: configuration, topology: Topology(exchanges: Open137Topology.exchanges),
                                      confirmWindow: 1024, publishTimeout: .seconds(120), logger: logger)
        try await publisher.waitUntilConnected()
        print("open137-load bench notifier — broker \(configuration.redactedURL), \(events) report.received events without contact, "
              + "receiver http://127.0.0.1:\(port)/hooks")

        let clock = ContinuousClock()
        let start = clock.now
        let ownBefore = IntakeBenchCommand.processCPUSeconds()
        // In slices, so that the notifier starts while the rest is still being published.
        for slice in stride(from: 0, to: messages.count, by: 2_000) {
            let results = await publisher.publish(Array(messages[slice..<min(slice + 2_000, messages.count)]))
            if results.contains(where: { if case .failure = $0 { true } else { false } }) {
                await publisher.close()
                throw BenchmarkFailure(message: "publishing report.received failed")
            }
        }
        let published = clock.now
        await publisher.close()
        let deadline = clock.now + .seconds(timeout)
        var reading = tally.reading
        while reading.delivered < events && clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            reading = tally.reading
        }
        let ownCPU = IntakeBenchCommand.processCPUSeconds() - ownBefore
        guard reading.delivered == events, let first = reading.first, let last = reading.last else {
            throw BenchmarkFailure(message: "the receiver saw \(reading.delivered) of \(events) events within \(timeout) s")
        }
        let span = max((last - first).seconds, 0.001)
        print(String(format: "published in %.1f s (%.0f events/s)", (published - start).seconds, Double(events) / (published - start).seconds))
        print(String(format: "delivered %d notifications in %.1f s after the first (%.1f s from the first publish); duplicates %d",
                     events, span, (last - start).seconds, reading.duplicates))
        print("signatures verified: \(reading.verified), bad: \(reading.badSignatures)")
        print(String(format: "receiver and publisher (this process) CPU per notification: %.0f µs", 1e6 * ownCPU / Double(events)))
        print(String(format: "RESULT notifications_per_s=%.0f", Double(events) / span))
        if reading.badSignatures > 0 { throw BenchmarkFailure(message: "\(reading.badSignatures) signatures did not verify") }
    }

    /// The `i`th event: a received report without contact details (only subscriptions are told).
    static func received(_ i: Int) throws -> EncodedEvent<ReportReceivedData> {
        let reportID = UUID().uuidString.lowercased()
        let report = ReportReceivedData(
            reportID: reportID, trackingCode: String(5_000_000_000 + i), channel: "137-phone",
            description: "تماس‌گیرنده اعلام کرد تاب زمین بازی پارک محله شکسته است و بچه‌ها هنوز سوار می‌شوند",
            serviceCode: "CFC-PLAY", attributes: ["park_name": .string("پارک لاله")],
            location: ReportLocation(lat: 35.70, long: 51.40, district: 1 + i % 22),
            reporter: ReporterProfile(type: "parent", language: "fa"), contact: nil,
            contactAllowed: false, mediaURLs: [], receivedAt: CloudEvent.formatTime(Date()))
        return EncodedEvent(
            source: ServiceName.intake.eventSource, type: EventType.reportReceived, time: Date(), subject: reportID,
            data: report, correlationID: reportID)
    }
}
