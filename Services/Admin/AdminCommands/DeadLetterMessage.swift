import JSON
import Messaging
import ServiceHosting
import Stages

/// One message in a dead-letter queue as `open137 dlq` reports it: ids, the reasons, the `x-death`
/// record, where a replay would send it, and its body (printed only on request, masked).
public struct DeadLetterMessage: Sendable {
    /// The delivery (settled by the tool, never by the reader).
    public let delivery: AMQPDelivery
    /// Where a replay sends it; nil when that cannot be told (it then stays where it is).
    public let origin: DeadLetterOrigin?

    /// The headers dropped on replay: the broker's dead-letter record and the project's, and the retry
    /// count, so a replayed message starts afresh with its whole retry budget. A replay goes to the
    /// origin exchange itself, so the retry copy's record of it goes too.
    public static let replayDroppedHeaders: Set<String> = [
        "x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason",
        "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason", "x-delivery-count",
        AMQPDelivery.reasonCodeHeader, AMQPDelivery.reasonHeader,
        AMQPDelivery.originalExchangeHeader, AMQPDelivery.originalRoutingKeyHeader,
        DeliveryWorker.attemptsHeader, DeliveryWorker.exchangeHeader, DeliveryWorker.routingKeyHeader,
    ]

    /// The message of `delivery`, its origin resolved against `exchanges`.
    public init(delivery: AMQPDelivery, exchanges: Set<String>) {
        self.delivery = delivery
        self.origin = DeadLetterOrigin.resolve(headers: delivery.headers, exchanges: exchanges)
    }

    /// `message_id`.
    public var messageID: String? { delivery.messageID }
    /// `x-open137-reason-code`, when a consumer dead-lettered it.
    public var reasonCode: String? { delivery.headers[AMQPDelivery.reasonCodeHeader]?.stringValue }
    /// `x-open137-reason` (no personal data by contract; masked anyway when printed).
    public var reason: String? { delivery.headers[AMQPDelivery.reasonHeader]?.stringValue }
    /// The broker's `x-death` entries, newest first.
    public var deaths: [DeadLetterDeath] { DeadLetterDeath.entries(in: delivery.headers) }

    /// The copy a replay publishes: same body, id, properties and headers (less `replayDroppedHeaders`),
    /// to the origin; nil without one.
    public var replayMessage: OutgoingMessage? {
        guard let origin else { return nil }
        return OutgoingMessage(
            exchange: origin.exchange, routingKey: origin.routingKey, body: delivery.body, messageID: delivery.messageID,
            contentType: delivery.contentType ?? "application/octet-stream", correlationID: delivery.correlationID,
            replyTo: delivery.replyTo, type: delivery.type,
            headers: delivery.headers.filter { !Self.replayDroppedHeaders.contains($0.key) }
        )
    }

    /// The message as a JSON object: the body only when `body` is true, with phone numbers and e-mail
    /// addresses masked (events may carry a reporter's contact).
    public func json(body: Bool) -> JSONValue {
        func string(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        var object: [String: JSONValue] = [
            "message_id": string(messageID),
            "type": string(delivery.type),
            "reason_code": string(reasonCode),
            "reason": string(reason.map(Redaction.redact)),
            "origin": origin.map { .object(["exchange": .string($0.exchange), "routing_key": .string($0.routingKey)]) } ?? .null,
            "deaths": .array(deaths.map { death in
                .object([
                    "queue": .string(death.queue), "reason": .string(death.reason), "count": .number(Double(death.count)),
                    "exchange": .string(death.exchange), "routing_keys": .array(death.routingKeys.map { .string($0) }),
                    "time": death.time.map { .number(Double($0)) } ?? .null,
                ])
            }),
            "body_bytes": .number(Double(delivery.body.count)),
        ]
        if body { object["body"] = .string(Redaction.redact(String(decoding: delivery.body, as: UTF8.self))) }
        return .object(object)
    }
}
