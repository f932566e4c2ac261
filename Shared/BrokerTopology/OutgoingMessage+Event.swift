import Contracts
import Messaging

extension CloudEvent {
    /// The AMQP message of this event on `exchange`: routing key = type, message id = event id.
    public func message(exchange: String) throws -> OutgoingMessage {
        OutgoingMessage(event: (id, type, correlationid, traceparent), body: try encoded(), exchange: exchange)
    }
}

extension EncodedEvent {
    /// The AMQP message of this event on `exchange`: routing key = type, message id = event id.
    public func message(exchange: String) throws -> OutgoingMessage {
        OutgoingMessage(event: (id, type, correlationid, traceparent), body: try encoded(), exchange: exchange)
    }
}

extension OutgoingMessage {
    /// The one mapping of an event's envelope to AMQP properties, for both envelope types: the type is the
    /// routing key (every binding is by event type), the event id the message id (consumers' inboxes key
    /// on it), the trace context a header.
    fileprivate init(
        event: (id: String, type: String, correlationID: String?, traceparent: String?), body: [UInt8], exchange: String
    ) {
        self.init(
            exchange: exchange, routingKey: event.type, body: body, messageID: event.id, correlationID: event.correlationID,
            type: event.type, headers: event.traceparent.map { ["traceparent": .string($0)] } ?? [:])
    }
}
