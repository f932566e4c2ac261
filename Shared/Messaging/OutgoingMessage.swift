import Foundation

/// A message to publish: persistent unless told otherwise, with the properties Open137 uses.
public struct OutgoingMessage: Sendable {
    /// Exchange to publish to ("" is the default exchange).
    public var exchange: String
    /// Routing key; for events, the event type.
    public var routingKey: String
    /// The body, usually a CloudEvent JSON envelope.
    public var body: [UInt8]
    /// `message_id`; also how a `basic.return` is matched to its publish. Defaults to a fresh UUID.
    public var messageID: String
    /// `content_type`.
    public var contentType: String
    /// `correlation_id`, when a reply or trace is expected.
    public var correlationID: String?
    /// `reply_to`, for request/reply over AMQP.
    public var replyTo: String?
    /// `type`.
    public var type: String?
    /// Application headers.
    public var headers: [String: AMQPFieldValue]
    /// Fail the publish when no queue takes the message (`basic.return`).
    public var mandatory: Bool
    /// Delivery mode 2 (written to disk by the broker) when true.
    public var persistent: Bool

    /// Creates a message.
    public init(
        exchange: String,
        routingKey: String,
        body: [UInt8],
        messageID: String? = nil,
        contentType: String = "application/cloudevents+json",
        correlationID: String? = nil,
        replyTo: String? = nil,
        type: String? = nil,
        headers: [String: AMQPFieldValue] = [:],
        mandatory: Bool = true,
        persistent: Bool = true
    ) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.messageID = messageID ?? UUID().uuidString.lowercased()
        self.contentType = contentType
        self.correlationID = correlationID
        self.replyTo = replyTo
        self.type = type
        self.headers = headers
        self.mandatory = mandatory
        self.persistent = persistent
    }
}

/// Anything that publishes messages with confirms: the real `AMQPPublisher`, and what the outbox relay
/// is given.
public protocol MessagePublishing: Sendable {
    /// Publishes all messages pipelined and returns, per message in order, whether the broker confirmed it.
    func publish(_ messages: [OutgoingMessage]) async -> [Result<Void, AMQPError>]
}

extension MessagePublishing {
    /// Publishes one message and waits for its confirm.
    public func publish(_ message: OutgoingMessage) async throws(AMQPError) {
        let results = await publish([message])
        if case .failure(let error) = results[0] { throw error }
    }
}
