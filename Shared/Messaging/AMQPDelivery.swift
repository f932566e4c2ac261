/// One message handed to a consumer. It must be settled exactly once — `ack()` after the effect is
/// committed, `nack(requeue:)` to try again, or `reject()` to dead-letter it — or the broker redelivers
/// it when the connection ends.
public struct AMQPDelivery: Sendable {
    /// The message body.
    public let body: [UInt8]
    /// Exchange it was published to.
    public let exchange: String
    /// Routing key it was published with (the event type for events).
    public let routingKey: String
    /// `message_id` property.
    public let messageID: String?
    /// `correlation_id` property.
    public let correlationID: String?
    /// `reply_to` property.
    public let replyTo: String?
    /// `content_type` property.
    public let contentType: String?
    /// `type` property.
    public let type: String?
    /// Application headers (including the broker's `x-death`, `x-delivery-count`).
    public let headers: [String: AMQPFieldValue]
    /// True when the broker delivered it before and it was not acked.
    public let redelivered: Bool
    /// The channel-scoped delivery tag.
    public let deliveryTag: UInt64
    /// The connection generation the delivery came on.
    let generation: UInt64
    /// Who settles it.
    let settler: DeliverySettler

    /// How many times a quorum queue delivered this message before (`x-delivery-count`).
    public var deliveryCount: Int { Int(headers["x-delivery-count"]?.intValue ?? 0) }

    /// Acknowledges the message: the broker forgets it. Call only after the effect is committed.
    public func ack() async throws(AMQPError) {
        try await settler.settle(.ack, tag: deliveryTag, generation: generation)
    }

    /// Negatively acknowledges: back to the queue (`requeue: true`) or to the dead-letter exchange.
    public func nack(requeue: Bool) async throws(AMQPError) {
        try await settler.settle(requeue ? .requeue : .deadLetter, tag: deliveryTag, generation: generation)
    }

    /// Rejects the message without requeue, so the queue's dead-letter exchange takes it
    /// (`x-death` reason `rejected`).
    public func reject() async throws(AMQPError) {
        try await settler.settle(.reject, tag: deliveryTag, generation: generation)
    }
}

/// How a delivery is settled.
enum Settlement: Sendable {
    case ack, requeue, deadLetter, reject
}

/// What a delivery calls to reach its connection's thread.
protocol DeliverySettler: Sendable {
    func settle(_ settlement: Settlement, tag: UInt64, generation: UInt64) async throws(AMQPError)
}
