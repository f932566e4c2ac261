import BrokerTopology
import Foundation
import JSON
import Logging
import Messaging
import ServiceLifecycle

/// Submits reports as an AMQP channel does: persistent messages with publisher confirms to
/// `open137.intake` (routing key `intake.<channel>`), the message id as idempotency key, and a private
/// reply queue where intake answers with the tracking code. A publish the broker did not confirm, or a
/// reply that does not come (the broker restarted, intake was down), is re-published with the same
/// message id: intake stores it once and answers again — until the give-up instant, which no wait passes.
final class LoadgenAMQPSubmitter: LoadgenSubmitter, Service {
    let channel = LoadgenChannel.amqp
    private let publisher: AMQPPublisher
    private let replies: AMQPConsumer
    /// The private reply queue (expires a few minutes after the load generator is gone). A quorum queue, so
    /// that on a cluster it outlives the node it was declared on: a classic one lives on that node alone,
    /// and once the node went down every redeclare failed ("home node … is down", 404) and every reply to an
    /// AMQP submission was lost until the node came back (make chaos-cluster, the node stopped cleanly).
    let replyQueue: String
    private let waiters = LoadgenReplyWaiters()
    private let replyTimeout: Duration

    /// The channels AMQP submissions claim (routing key `intake.<channel>`).
    private static let channels = ["sms", "137-phone", "app", "1888-web"]

    /// Creates the publisher and the reply consumer (not yet connected).
    init(configuration: AMQPConfiguration, replyTimeout: Duration = .seconds(10), logger: Logger) {
        replyQueue = "loadgen.replies.\(UUID().uuidString.lowercased().prefix(8))"
        self.replyTimeout = replyTimeout
        // An unconfirmed publish fails after `replyTimeout` (not the publisher's default 30 s) and is sent
        // again: that is also the most a submission can run past its give-up instant.
        publisher = AMQPPublisher(
            configuration: configuration, topology: Topology(exchanges: Open137Topology.exchanges), publishTimeout: replyTimeout, logger: logger)
        replies = AMQPConsumer(
            configuration: configuration, queue: replyQueue, prefetch: 1_000,
            topology: Topology(exchanges: Open137Topology.exchanges, queues: [QueueDefinition(name: replyQueue, arguments: ["x-queue-type": .string("quorum"), "x-expires": .int(300_000)])]),
            logger: logger)
    }

    /// Connects the publisher and the reply consumer.
    func waitUntilConnected(timeout: Duration) async throws(AMQPError) {
        try await replies.waitUntilConnected(timeout: timeout)
        try await publisher.waitUntilConnected(timeout: timeout)
    }

    /// Hands every reply to its waiter until cancelled, then closes both connections.
    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await delivery in self.replies.deliveries {
                    if let id = delivery.correlationID, let json = try? JSONValue.parse(delivery.body) {
                        self.waiters.resolve(id, .answer(json))
                    }
                    try? await delivery.ack()
                }
            }
            group.addTask {
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3_600)) }
                // Together: each may drain for its ten seconds, and the run's end waits for both.
                async let repliesStopped: Void = self.replies.stop()
                await self.publisher.close()
                await repliesStopped
            }
        }
    }

    func submit(_ report: LoadgenReport, giveUpAt: ContinuousClock.Instant) async -> LoadgenOutcome {
        let messageID = UUID().uuidString.lowercased()
        let message = OutgoingMessage(
            exchange: Open137Topology.intakeExchange, routingKey: "intake.\(Self.channels[report.sequence % Self.channels.count])",
            body: report.nativeBody(channel: nil), messageID: messageID, contentType: "application/json",
            correlationID: messageID, replyTo: replyQueue)
        var attempts = 0
        var lastProblem = "no reply"
        // A confirmed submission is safe in the broker: a slow reply means a backlog at intake, and a
        // resend would only lengthen it. Each resend waits twice as long (a reply lost with a broker
        // restart still gets its resend).
        var wait = replyTimeout
        while true {
            // No wait runs past the give-up instant: a doubled wait begun just before it (up to 120 s) would
            // hold the load phase, and with it the drain and the run's end, that much longer. A reply that
            // has not come by then makes the report given up, not a hang.
            guard let budget = Self.replyWait(wait, until: giveUpAt), !Task.isCancelled else {
                return .gaveUp("amqp: \(lastProblem) after \(attempts) attempts")
            }
            attempts += 1
            do {
                try await publisher.publish(message)
                let reply = await waiters.wait(for: messageID, timeout: budget)
                wait = min(wait * 2, .seconds(120))
                switch reply {
                case .answer(let reply):
                    guard reply["status"]?.stringValue == "accepted", let code = reply["tracking_code"]?.stringValue else {
                        return .rejected("amqp: \(reply["error"]?["code"]?.stringValue ?? "unreadable reply")")
                    }
                    return .accepted(LoadgenReceipt(
                        trackingCode: code, reportID: reply["report_id"]?.stringValue, channel: .amqp, acceptedAt: Date(), attempts: attempts))
                case .timedOut:
                    lastProblem = "no reply (last wait \(budget))"
                }
            } catch {
                lastProblem = "publish not confirmed (\(error.code))"
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// The next wait for a reply: `wait`, cut to what is left until `giveUpAt`; nil when nothing is left.
    static func replyWait(_ wait: Duration, until giveUpAt: ContinuousClock.Instant, now: ContinuousClock.Instant = .now) -> Duration? {
        let left = now.duration(to: giveUpAt)
        return left > .zero ? min(wait, left) : nil
    }
}
