import Foundation
import JSON

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
    /// The W3C trace context carried on from the event this one answers (also sent as a header).
    public let traceparent: String?

    /// An event with a fresh id.
    public init(
        id: String = UUID().uuidString.lowercased(), source: String, type: String, time: Date, subject: String?,
        data: Payload, correlationID: String?, traceparent: String? = nil
    ) {
        self.id = id
        self.source = source
        self.type = type
        self.time = CloudEvent.formatTime(time)
        self.subject = subject
        self.data = data
        self.correlationid = correlationID
        self.traceparent = traceparent
    }

    /// The event's JSON: written by hand when the payload writes itself (``JSONWritable``), else by
    /// `JSONEncoder` — the same bytes either way (sorted keys, slashes unescaped).
    public func encoded() throws -> [UInt8] {
        guard let writable = data as? any JSONWritable else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return Array(try encoder.encode(self))
        }
        var json = JSONText()
        json.reserveCapacity(1536)
        json.raw("{")
        var first = true
        if let correlationid { json.member("correlationid", correlationid, first: true); first = false }
        json.memberName("data", first: first)
        writable.writeJSON(into: &json)
        json.member("datacontenttype", datacontenttype)
        json.member("id", id)
        json.member("source", source)
        json.member("specversion", specversion)
        if let subject { json.member("subject", subject) }
        json.member("time", time)
        if let traceparent { json.member("traceparent", traceparent) }
        json.member("type", type)
        json.raw("}")
        return json.bytes
    }

    private enum CodingKeys: String, CodingKey {
        case specversion, id, source, type, time, subject, datacontenttype, data, correlationid, traceparent
    }
}
