import Foundation
import Messaging

/// A CloudEvent encoded straight from its typed payload in one pass — for hot paths (intake's group
/// commit) where building a `CloudEvent` first would encode, decode and encode the payload again. The
/// bytes are the same envelope `CloudEvent.encoded()` writes (sorted keys), so consumers cannot tell.
public struct EncodedEvent<Payload: Encodable & Sendable>: Encodable, Sendable {
    private let specversion = "1.0"
    /// The event id (also the AMQP message id).
    public let id: String
    /// The emitting service.
    public let source: String
    /// The event type (also the routing key).
    public let type: String
    /// When the state change happened (RFC 3339).
    public let time: String
    /// The report id.
    public let subject: String?
    private let datacontenttype = "application/json"
    /// The payload.
    public let data: Payload
    /// Ties the events of one journey together.
    public let correlationid: String?

    /// An event with a fresh id.
    public init(
        id: String = UUID().uuidString.lowercased(), source: String, type: String, time: Date, subject: String?,
        data: Payload, correlationID: String?
    ) {
        self.id = id
        self.source = source
        self.type = type
        self.time = CloudEvent.formatTime(time)
        self.subject = subject
        self.data = data
        self.correlationid = correlationID
    }

    /// The AMQP message of this event on `exchange`: routing key = type, message id = event id.
    public func message(exchange: String) throws -> OutgoingMessage {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return OutgoingMessage(
            exchange: exchange, routingKey: type, body: Array(try encoder.encode(self)), messageID: id,
            correlationID: correlationid, type: type
        )
    }

    private enum CodingKeys: String, CodingKey {
        case specversion, id, source, type, time, subject, datacontenttype, data, correlationid
    }
}
