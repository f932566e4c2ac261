import Events
import Foundation
import Logging
import Messaging
import ServiceLifecycle

/// Submits reports as an AMQP channel does: persistent messages with publisher confirms to
/// `open137.intake` (routing key `intake.<channel>`), the message id as idempotency key, and a private
/// reply queue where intake answers with the tracking code. A publish the broker did not confirm, or a
/// reply that does not come (the broker restarted, intake was down), is re-published with the same
/// message id: intake stores it once and answers again.
final class LoadgenAMQPSubmitter: LoadgenSubmitter, Service {
    let channel = LoadgenChannel.amqp
    private let publisher: AMQPPublisher
    private let replies: AMQPConsumer
    /// The private reply queue (expires a few minutes after the load generator is gone).
    let replyQueue: String
    private let waiters = LoadgenReplyWaiters()
    private let replyTimeout: Duration

    /// The channels AMQP submissions claim (routing key `intake.<channel>`).
    private static let channels = ["sms", "137-phone", "app", "1888-web"]

    /// Creates the publisher and the reply consumer (not yet connected).
    init(configuration: AMQPConfiguration, replyTimeout: Duration = .seconds(10), logger: Logger) {
        replyQueue = "loadgen.replies.\(UUID().uuidString.lowercased().prefix(8))"
        self.replyTimeout = replyTimeout
        publisher = AMQPPublisher(configuration: configuration, topology: Topology(exchanges: Open137Topology.exchanges), logger: logger)
        replies = AMQPConsumer(
            configuration: configuration, queue: replyQueue, prefetch: 1_000,
            topology: Topology(exchanges: Open137Topology.exchanges, queues: [QueueDefinition(name: replyQueue, arguments: ["x-expires": .int(300_000)])]),
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
                await self.replies.stop()
                await self.publisher.close()
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
            attempts += 1
            do {
                try await publisher.publish(message)
                let reply = await waiters.wait(for: messageID, timeout: wait)
                wait = min(wait * 2, .seconds(120))
                switch reply {
                case .answer(let reply):
                    guard reply["status"]?.stringValue == "accepted", let code = reply["tracking_code"]?.stringValue else {
                        return .rejected("amqp: \(reply["error"]?["code"]?.stringValue ?? "unreadable reply")")
                    }
                    return .accepted(LoadgenReceipt(
                        trackingCode: code, reportID: reply["report_id"]?.stringValue, channel: .amqp, acceptedAt: Date(), attempts: attempts))
                case .timedOut:
                    lastProblem = "no reply (last wait \(wait / 2))"
                }
            } catch {
                lastProblem = "publish not confirmed (\(error.code))"
                try? await Task.sleep(for: .milliseconds(200))
            }
            guard ContinuousClock.now < giveUpAt else { return .gaveUp("amqp: \(lastProblem) after \(attempts) attempts") }
        }
    }
}
