import BrokerTopology
import Logging
import Messaging
import Metrics
import ServiceHosting
import ServiceLifecycle

/// Runs one queue's consumer and hands each delivery to a handler, a bounded number at a time, then
/// settles it by what the handler did:
///
/// - returned: the effect is committed — ack;
/// - threw ``DeliveryRejection``: the message can never succeed — a copy with the reason goes to the
///   dead-letter route (confirmed), then ack;
/// - threw anything else (an ``AMQPError`` of its own publishes included): a transient failure (database
///   down, broker hiccup) — a copy goes to the queue's retry queue (back in the work queue after the retry
///   delay), then ack; after `maxAttempts` it is dead-lettered with reason `retries-exhausted`. A failure
///   while the `dependencyProbe` reports the stage's database or broker down is not counted: the budget
///   is for poison, and an outage is waited out however long it lasts.
///
/// Only the ack of a handled delivery failing is the connection's: the broker redelivers it. Nothing
/// accepted is dropped: every path acks only after the broker confirmed the copy, and when even that
/// fails the delivery is given back to the broker. Handlers must be idempotent (use the inbox): a
/// redelivery after a lost ack runs them again.
public final class DeliveryWorker: Service {
    /// The queue consumed.
    public var queue: String { consumer.queue }
    private let consumer: AMQPConsumer
    private let publisher: any MessagePublishing
    private let concurrency: Int
    private let maxAttempts: Int
    private let deadLetterExchange: String
    private let deadLetterRoutingKey: String
    private let retryExchange: String
    private let handler: @Sendable (AMQPDelivery) async throws -> Void
    private let dependencyProbe: (@Sendable () async -> Bool)?
    private let logger: Logger
    private let metrics: Metrics

    /// The header counting how many times a message was sent back for a delayed retry.
    public static let attemptsHeader = "x-open137-attempts"
    /// The routing key a message was first published with, kept on its retry copies (which come back
    /// through the default exchange with the queue's name as routing key). Trust it only on a delivery
    /// that did not come from the publisher's own exchange, or anyone could set it.
    public static let routingKeyHeader = "x-open137-routing-key"
    /// The exchange a message was first published to, kept on its retry copies beside
    /// ``routingKeyHeader``, so that a dead letter made from a retry copy can be replayed to its origin.
    public static let exchangeHeader = "x-open137-exchange"

    /// A worker over `consumer`. Dead letters go to `deadLetterExchange` with `deadLetterRoutingKey`
    /// (default: the queue's name, which feeds `<queue>.dlq`); retries to `retryExchange` with the queue's name.
    /// `dependencyProbe` (true = healthy; e.g. ``StageRuntime/dependencyProbe``) is asked after a handler's
    /// transient failure: while it answers false the retry does not count against `maxAttempts`.
    public init(
        consumer: AMQPConsumer,
        publisher: any MessagePublishing,
        concurrency: Int = 16,
        maxAttempts: Int = 120,
        deadLetterExchange: String = Open137Topology.deadLetterExchange,
        deadLetterRoutingKey: String? = nil,
        retryExchange: String = Open137Topology.retryExchange,
        dependencyProbe: (@Sendable () async -> Bool)? = nil,
        logger: Logger,
        handler: @escaping @Sendable (AMQPDelivery) async throws -> Void
    ) {
        precondition(concurrency > 0, "a worker handles at least one delivery at a time")
        self.consumer = consumer
        self.publisher = publisher
        self.concurrency = concurrency
        self.maxAttempts = maxAttempts
        self.deadLetterExchange = deadLetterExchange
        self.deadLetterRoutingKey = deadLetterRoutingKey ?? consumer.queue
        self.retryExchange = retryExchange
        self.handler = handler
        self.dependencyProbe = dependencyProbe
        var logger = logger
        logger[metadataKey: "amqp.queue"] = "\(consumer.queue)"
        self.logger = logger
        self.metrics = Metrics(queue: consumer.queue)
    }

    /// Consumes until graceful shutdown; then the consumer cancels its subscription, the deliveries
    /// already received are handled and settled, and this returns.
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            // The consumer stops itself on graceful shutdown, which ends `deliveries` below.
            group.addTask { [consumer] in try await consumer.run() }
            await handleDeliveries()
            try await group.waitForAll()
        }
    }

    private func handleDeliveries() async {
        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for await delivery in consumer.deliveries {
                if inFlight == concurrency {
                    await group.next()
                    inFlight -= 1
                }
                inFlight += 1
                group.addTask { await self.handle(delivery) }
            }
            await group.waitForAll()
        }
    }

    private func handle(_ delivery: AMQPDelivery) async {
        let start = ContinuousClock.now
        defer { metrics.duration.recordNanoseconds((ContinuousClock.now - start).nanosecondsClamped) }
        // The handler's failure and the ack's are told apart: an AMQPError from the handler (its own
        // publish timing out while the broker is blocked) is the handler's, and its delivery is settled by
        // policy like any other failure; left unsettled it would hold a prefetch slot until a reconnect.
        do {
            try await handler(delivery)
        } catch let rejection as DeliveryRejection {
            logger.warning("message rejected to the dead-letter route", metadata: [
                "message_id": "\(delivery.messageID ?? "-")", "reason_code": "\(rejection.code)", "reason": "\(rejection.reason)",
            ])
            await deadLetter(delivery, code: rejection.code, reason: rejection.reason)
            metrics.rejected.increment()
            return
        } catch {
            await retryLater(delivery, after: error)
            return
        }
        do {
            try await delivery.ack()
            metrics.handled.increment()
        } catch {
            // The ack itself failed: the connection is gone and the broker redelivers; the inbox makes that safe.
            logger.warning("could not settle a delivery; the broker will redeliver it", metadata: [
                "message_id": "\(delivery.messageID ?? "-")", "error": "\(error)",
            ])
        }
    }

    private func retryLater(_ delivery: AMQPDelivery, after error: any Error) async {
        let previous = Int(delivery.headers[Self.attemptsHeader]?.intValue ?? 0)
        // Asked only after a failure, so a healthy stage pays nothing; during an outage the copy keeps its
        // count, and what failed only because the database or broker was away keeps its whole budget.
        if let dependencyProbe, !(await dependencyProbe()) {
            logger.warning("handling failed while a dependency is down; waiting for the outage without counting an attempt", metadata: [
                "message_id": "\(delivery.messageID ?? "-")", "attempts": "\(previous)", "error": "\(error)",
            ])
            await sendToRetry(delivery, attempts: previous)
            return
        }
        let attempts = previous + 1
        guard attempts < maxAttempts else {
            logger.error("transient failures exhausted the retries; dead-lettered", metadata: [
                "message_id": "\(delivery.messageID ?? "-")", "attempts": "\(attempts)", "error": "\(error)",
            ])
            await deadLetter(delivery, code: "retries-exhausted", reason: "failed \(attempts) times; last error: \(error)")
            metrics.rejected.increment()
            return
        }
        logger.warning("handling failed; retrying later", metadata: [
            "message_id": "\(delivery.messageID ?? "-")", "attempt": "\(attempts)", "error": "\(error)",
        ])
        await sendToRetry(delivery, attempts: attempts)
    }

    /// Publishes the retry copy carrying `attempts` (none while it is 0), confirmed, then acks.
    private func sendToRetry(_ delivery: AMQPDelivery, attempts: Int) async {
        var headers = delivery.headers
        if attempts > 0 { headers[Self.attemptsHeader] = .int(Int64(attempts)) }
        if headers[Self.routingKeyHeader] == nil { headers[Self.routingKeyHeader] = .string(delivery.routingKey) }
        if headers[Self.exchangeHeader] == nil { headers[Self.exchangeHeader] = .string(delivery.exchange) }
        let copy = OutgoingMessage(
            exchange: retryExchange, routingKey: queue, body: delivery.body,
            messageID: delivery.messageID, contentType: delivery.contentType ?? "application/octet-stream",
            correlationID: delivery.correlationID, replyTo: delivery.replyTo, type: delivery.type, headers: headers
        )
        do {
            try await publisher.publish(copy)
            try await delivery.ack()
            metrics.retried.increment()
        } catch {
            await leaveForRedelivery(delivery, error)
        }
    }

    private func deadLetter(_ delivery: AMQPDelivery, code: String, reason: String) async {
        do {
            try await delivery.deadLetter(
                to: deadLetterExchange, routingKey: deadLetterRoutingKey, reasonCode: code, reason: reason, publisher: publisher
            )
        } catch {
            await leaveForRedelivery(delivery, error)
        }
    }

    /// The copy could not be confirmed: give the message back to the broker rather than lose it.
    private func leaveForRedelivery(_ delivery: AMQPDelivery, _ error: any Error) async {
        logger.warning("could not forward a delivery; returning it to the queue", metadata: [
            "message_id": "\(delivery.messageID ?? "-")", "error": "\(error)",
        ])
        try? await delivery.nack(requeue: true)
    }

    /// The worker's counters and timer, labelled by queue.
    private struct Metrics {
        let handled: Counter
        let rejected: Counter
        let retried: Counter
        let duration: Timer

        init(queue: String) {
            handled = Counter(label: "open137_deliveries_total", dimensions: [("queue", queue), ("outcome", "handled")])
            rejected = Counter(label: "open137_deliveries_total", dimensions: [("queue", queue), ("outcome", "dead-lettered")])
            retried = Counter(label: "open137_deliveries_total", dimensions: [("queue", queue), ("outcome", "retried")])
            duration = Timer(label: "open137_delivery_handling_seconds", dimensions: [("queue", queue)])
        }
    }
}
