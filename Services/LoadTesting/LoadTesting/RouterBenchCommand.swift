import ServiceHosting
import ArgumentParser
import BrokerTopology
import Contracts
import Foundation
import Messaging

/// `open137-load bench router`: routed reports per second through a live router and broker. Publishes
/// `--reports` contract-valid `report.classified` events (a mix of codes and districts, a third of them
/// child reports) with pipelined confirms to `open137.events`, and counts `report.routed` on a private queue
/// until every report is routed; `make bench-router` runs it against a release router on a private stack.
///
/// Two ways to run it: live (the default: publishing and routing at the same time, so the publisher's
/// CPU competes with the router's), or as a backlog in two steps — `--publish-only` while no router runs,
/// then `--observe-only` once it is started, timing from the first `report.routed` to the last: the rate at
/// which the router drains a queue of classified reports, the stage's own throughput.
public struct RouterBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "router",
        abstract: "Routed reports/s: report.classified in, report.routed out, through a running router (reads AMQP_URL)."
    )

    @Option(help: "Reports to route.")
    var reports: Int = 30_000
    @Option(help: "Seconds to wait for the last report.routed.")
    var timeout: Int = 300
    @Flag(help: "Only publish the reports (with no router running) and bind --observer-queue to report.routed.")
    var publishOnly = false
    @Flag(help: "Only count --reports report.routed on --observer-queue (the reports were published with --publish-only).")
    var observeOnly = false
    @Option(help: "The queue that collects report.routed (a fresh private one when not given).")
    var observerQueue: String?

    public init() {}

    public func run() async throws {
        guard let url = ProcessInfo.processInfo.environment["AMQP_URL"] else {
            throw ValidationError("AMQP_URL is not set (make bench-router sets it)")
        }
        let logger = ToolLogging.logger("bench")
        let configuration = try AMQPConfiguration(url: url, connectionName: "open137-bench-router")
        if publishOnly && observeOnly { throw ValidationError("--publish-only and --observe-only exclude each other") }
        if (publishOnly || observeOnly) && self.observerQueue == nil { throw ValidationError("--publish-only and --observe-only need --observer-queue") }
        let observerQueue = self.observerQueue ?? "open137.bench.routed.\(UUID().uuidString.prefix(8))"
        let observerTopology = Topology(
            exchanges: Open137Topology.exchanges,
            queues: [QueueDefinition(name: observerQueue, arguments: ["x-expires": .int(600_000)])],
            // A report the router linked to a case is routed too (to that case): it says report.linked instead.
            bindings: [EventType.reportRouted, EventType.reportLinked].map {
                BindingDefinition(exchange: Open137Topology.eventsExchange, queue: observerQueue, routingKey: $0)
            })
        let observer = AMQPConsumer(configuration: configuration, queue: observerQueue, prefetch: 1000, topology: observerTopology, logger: logger)
        try await observer.waitUntilConnected()
        if observeOnly {
            try await observeBacklog(observer)
            return
        }

        // The backlog (--publish-only) and the live run place their reports on grids 5° of latitude apart: the
        // live run's reports are not the backlog's hazards again, which the router would link, not route.
        let latitude = publishOnly ? 35.60 : 40.60
        let messages = try (0..<reports).map { try Self.classified($0, latitude: latitude).message(exchange: Open137Topology.eventsExchange) }
        let publisher = AMQPPublisher(configuration: configuration, topology: Topology(exchanges: Open137Topology.exchanges),
                                      confirmWindow: 1024, publishTimeout: .seconds(120), logger: logger)
        try await publisher.waitUntilConnected()
        print("open137-load bench router — broker \(configuration.redactedURL), \(reports) report.classified events")
        if publishOnly {
            // The observer has declared and bound its queue; nothing is routed yet, so it can go.
            await observer.stop()
            let clock = ContinuousClock()
            let start = clock.now
            for slice in stride(from: 0, to: messages.count, by: 2_000) {
                let results = await publisher.publish(Array(messages[slice..<min(slice + 2_000, messages.count)]))
                if results.contains(where: { if case .failure = $0 { true } else { false } }) {
                    await publisher.close()
                    throw BenchmarkFailure(message: "publishing report.classified failed")
                }
            }
            await publisher.close()
            print(String(format: "published %d report.classified in %.1f s; start the router, then run --observe-only", reports, (clock.now - start).seconds))
            return
        }

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

    /// Counts `--reports` report.routed on the observer queue and prints the rate from the first to the last.
    private func observeBacklog(_ observer: AMQPConsumer) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(timeout)
        var first: ContinuousClock.Instant?
        var last = clock.now
        var seen = 0
        for await delivery in observer.deliveries {
            try await delivery.ack()
            last = clock.now
            if first == nil { first = last }
            seen += 1
            if seen == reports || last > deadline { break }
        }
        await observer.stop()
        guard seen == reports, let first, seen > 1 else {
            throw BenchmarkFailure(message: "saw \(seen) of \(reports) report.routed within \(timeout) s")
        }
        let elapsed = (last - first).seconds
        print(String(format: "routed a backlog of %d reports in %.1f s (first to last report.routed)", reports, elapsed))
        print(String(format: "RESULT routed_per_s=%.0f", Double(reports - 1) / elapsed))
    }

    /// The `i`th report: codes cycle through child and general ones, districts 1–22 or a point.
    static func classified(_ i: Int, latitude: Double = 35.60) throws -> EncodedEvent<ReportClassifiedData> {
        let codes = ["CFC-PLAY", "ROAD", "WASTE", "CFC-SCHOOL", "LIGHT", "GREEN", "CFC-KG", "ROAD", "WASTE"]
        let code = codes[i % codes.count]
        let reportID = UUID().uuidString.lowercased()
        // Each report at a point of its own, ~220 m from the next (a grid over the city): distinct hazards, so
        // the router looks for a case of the same hazard each time and finds none — its everyday path.
        let lat = latitude + Double(i / 200) * 0.002, long = 51.20 + Double(i % 200) * 0.002
        let location = i % 4 == 0 ? ReportLocation(lat: lat, long: long) : ReportLocation(lat: lat, long: long, district: 1 + i % 22)
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
