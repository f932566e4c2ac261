import ArgumentParser
import Events
import Foundation
import Messaging

/// `open137 bench router`: routed reports per second through a live router and broker. Publishes
/// `--reports` contract-valid `report.classified` events (a mix of codes and districts, a third of them
/// child reports) with pipelined confirms to `open137.events`, and counts `report.routed` on a private queue
/// until every report is routed; `make bench-router` runs it against a release router on a private stack.
public struct RouterBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "router",
        abstract: "Routed reports/s: report.classified in, report.routed out, through a running router (reads AMQP_URL)."
    )

    @Option(help: "Reports to route.")
    var reports: Int = 30_000
    @Option(help: "Seconds to wait for the last report.routed.")
    var timeout: Int = 300

    public init() {}

    public func run() async throws {
        guard let url = ProcessInfo.processInfo.environment["AMQP_URL"] else {
            throw ValidationError("AMQP_URL is not set (make bench-router sets it)")
        }
        let logger = AdminLogging.logger("bench")
        let configuration = try AMQPConfiguration(url: url, connectionName: "open137-bench-router")
        let observerQueue = "open137.bench.routed.\(UUID().uuidString.prefix(8))"
        let observerTopology = Topology(
            exchanges: Open137Topology.exchanges,
            queues: [QueueDefinition(name: observerQueue, arguments: ["x-expires": .int(600_000)])],
            bindings: [BindingDefinition(exchange: Open137Topology.eventsExchange, queue: observerQueue, routingKey: EventType.reportRouted)])
        let observer = AMQPConsumer(configuration: configuration, queue: observerQueue, prefetch: 1000, topology: observerTopology, logger: logger)
        try await observer.waitUntilConnected()

        let messages = try (0..<reports).map { try Self.classified($0).message(exchange: Open137Topology.eventsExchange) }
        let publisher = AMQPPublisher(configuration: configuration, topology: Topology(exchanges: Open137Topology.exchanges),
                                      confirmWindow: 1024, publishTimeout: .seconds(120), logger: logger)
        try await publisher.waitUntilConnected()
        print("open137 bench router — broker \(configuration.redactedURL), \(reports) report.classified events")

        let clock = ContinuousClock()
        let total = reports
        let limit = timeout
        let start = clock.now
        let published: ContinuousClock.Instant = try await withThrowingTaskGroup(of: ContinuousClock.Instant?.self) { group in
            group.addTask {
                // In slices, so that routing starts while the rest is still being published.
                for slice in stride(from: 0, to: messages.count, by: 2_000) {
                    let results = await publisher.publish(Array(messages[slice..<min(slice + 2_000, messages.count)]))
                    if results.contains(where: { if case .failure = $0 { true } else { false } }) {
                        throw BenchmarkFailure(message: "publishing report.classified failed")
                    }
                }
                return clock.now
            }
            group.addTask {
                var seen = 0
                let deadline = clock.now + .seconds(limit)
                for await delivery in observer.deliveries {
                    try await delivery.ack()
                    seen += 1
                    if seen == total || clock.now > deadline { break }
                }
                guard seen == total else { throw BenchmarkFailure(message: "saw \(seen) of \(total) report.routed within \(limit) s") }
                return nil
            }
            var publishedAt: ContinuousClock.Instant?
            for try await instant in group { if let instant { publishedAt = instant } }
            return publishedAt ?? clock.now
        }
        let elapsed = (clock.now - start).seconds
        await publisher.close()
        await observer.stop()
        print(String(format: "published in %.1f s (%.0f report.classified/s)", (published - start).seconds, Double(reports) / (published - start).seconds))
        print(String(format: "routed %d reports in %.1f s", reports, elapsed))
        print(String(format: "RESULT routed_per_s=%.0f", Double(reports) / elapsed))
    }

    /// The `i`th report: codes cycle through child and general ones, districts 1–22 or a point.
    static func classified(_ i: Int) throws -> EncodedEvent<ReportClassifiedData> {
        let codes = ["CFC-PLAY", "ROAD", "WASTE", "CFC-SCHOOL", "LIGHT", "GREEN", "CFC-KG", "ROAD", "WASTE"]
        let code = codes[i % codes.count]
        let reportID = UUID().uuidString.lowercased()
        let location = i % 4 == 0 ? ReportLocation(lat: 35.70, long: 51.40) : ReportLocation(lat: 35.70, long: 51.40, district: 1 + i % 22)
        let report = ReportReceivedData(
            reportID: reportID, trackingCode: String(4_000_000_000 + i), channel: "137-phone",
            description: "تماس‌گیرنده اعلام کرد تاب زمین بازی پارک محله شکسته است و بچه‌ها هنوز سوار می‌شوند",
            serviceCode: code, attributes: ["park_name": .string("پارک لاله")], location: location,
            reporter: ReporterProfile(type: "parent", language: "fa"), contact: ReporterContact(phone: "+989121234567"),
            contactAllowed: i % 2 == 0, mediaURLs: [], receivedAt: CloudEvent.formatTime(Date()))
        let classification = ReportClassification(
            serviceCode: code, channelServiceCode: code, childFriendly: code.hasPrefix("CFC-"), priority: ["P0", "P1", "P2"][i % 3],
            confidence: 0.93, evidence: ["تاب", "پارک"], triage: false, triageReason: nil, modelVersion: "lr-ngram-bench")
        return EncodedEvent(
            source: ServiceName.classifier.eventSource, type: EventType.reportClassified, time: Date(), subject: reportID,
            data: ReportClassifiedData(report: report, classification: classification), correlationID: reportID)
    }
}
