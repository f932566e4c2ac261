import Foundation
import JSON

/// The one envelope of every Open137 message: a CloudEvents 1.0 JSON event (structured mode), with the
/// routing key equal to `type` and `subject` the report id.
public struct CloudEvent: Sendable, Hashable, Codable {
    /// CloudEvents spec version; always "1.0".
    public var specversion: String
    /// Unique per event; consumers are idempotent on it (the inbox).
    public var id: String
    /// The emitting service, as a URI reference (`/open137/intake`).
    public var source: String
    /// Event type, e.g. `report.received`; also the AMQP routing key.
    public var type: String
    /// When the state change happened (RFC 3339).
    public var time: String
    /// The report id the event is about.
    public var subject: String?
    /// Always `application/json` for `data`.
    public var datacontenttype: String
    /// The payload; its schema per type is in the AsyncAPI document.
    public var data: JSONValue
    /// Extension: ties the events of one report's journey (or one request) together.
    public var correlationid: String?
    /// Extension: W3C trace context of the producer, when there is one.
    public var traceparent: String?

    /// Creates an event with a fresh id and the current time.
    public init(
        id: String = UUID().uuidString.lowercased(),
        source: String,
        type: String,
        time: Date = Date(),
        subject: String?,
        data: JSONValue,
        correlationID: String? = nil,
        traceparent: String? = nil
    ) {
        self.specversion = "1.0"
        self.id = id
        self.source = source
        self.type = type
        self.time = CloudEvent.formatTime(time)
        self.subject = subject
        self.datacontenttype = "application/json"
        self.data = data
        self.correlationid = correlationID
        self.traceparent = traceparent
    }

    /// Creates an event whose `data` is an encodable payload.
    public init<Payload: Encodable>(
        source: String,
        type: String,
        subject: String?,
        payload: Payload,
        correlationID: String? = nil,
        traceparent: String? = nil
    ) throws {
        let data = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(payload))
        self.init(source: source, type: type, subject: subject, data: data, correlationID: correlationID, traceparent: traceparent)
    }

    /// The JSON body to publish.
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    /// Parses and checks an envelope; the error names what is wrong, for the dead-letter reason.
    public static func decode(_ body: [UInt8]) throws(EventDecodingError) -> CloudEvent {
        let members: [String: JSONValue]
        do {
            guard case .object(let object) = try JSONValue.parse(body) else {
                throw EventDecodingError(code: .malformedEnvelope, message: "not a CloudEvents 1.0 JSON envelope: not a JSON object")
            }
            members = object
        } catch let error as EventDecodingError {
            throw error
        } catch {
            throw EventDecodingError(code: .malformedEnvelope, message: "not a CloudEvents 1.0 JSON envelope: invalid JSON")
        }
        func required(_ key: String) throws(EventDecodingError) -> String {
            switch members[key] {
            case .string(let value)?: return value
            case nil: throw EventDecodingError(code: .malformedEnvelope, message: "not a CloudEvents 1.0 JSON envelope: missing \(key)")
            case _?: throw EventDecodingError(code: .malformedEnvelope, message: "not a CloudEvents 1.0 JSON envelope: wrong type at \(key)")
            }
        }
        func optional(_ key: String) throws(EventDecodingError) -> String? {
            switch members[key] {
            case .string(let value)?: return value
            case nil, .null?: return nil
            case _?: throw EventDecodingError(code: .malformedEnvelope, message: "not a CloudEvents 1.0 JSON envelope: wrong type at \(key)")
            }
        }
        let specversion = try required("specversion")
        let id = try required("id")
        let source = try required("source")
        let type = try required("type")
        let time = try required("time")
        let datacontenttype = try required("datacontenttype")
        guard let data = members["data"] else {
            throw EventDecodingError(code: .malformedEnvelope, message: "not a CloudEvents 1.0 JSON envelope: missing data")
        }
        guard specversion == "1.0" else {
            throw EventDecodingError(code: .unsupportedVersion, message: "specversion \(specversion) is not 1.0")
        }
        guard !id.isEmpty, !type.isEmpty, !source.isEmpty else {
            throw EventDecodingError(code: .malformedEnvelope, message: "id, source and type must not be empty")
        }
        var event = CloudEvent(
            id: id, source: source, type: type, subject: try optional("subject"), data: data,
            correlationID: try optional("correlationid"), traceparent: try optional("traceparent")
        )
        event.time = time
        event.datacontenttype = datacontenttype
        return event
    }

    /// Decodes `data` as a typed payload.
    public func payload<Payload: Decodable>(as type: Payload.Type) throws -> Payload {
        try JSONDecoder().decode(Payload.self, from: JSONEncoder().encode(data))
    }

    /// RFC 3339 with milliseconds in UTC.
    public static func formatTime(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// A time of an event's payload: RFC 3339 with or without fractional seconds; nil when it is neither.
    public static func parseTime(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}

/// Why a message body is not a usable event.
public struct EventDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Machine-readable reason, used as the dead-letter reason header.
    public struct Code: RawRepresentable, Sendable, Hashable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Not JSON, or missing required envelope attributes.
        public static let malformedEnvelope = Code(rawValue: "malformed-envelope")
        /// `specversion` is not 1.0.
        public static let unsupportedVersion = Code(rawValue: "unsupported-specversion")
        /// `data` does not match the payload schema of its type.
        public static let invalidPayload = Code(rawValue: "invalid-payload")
    }
    /// What is wrong.
    public var code: Code
    /// Detail without personal data.
    public var message: String
    /// Creates the error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "\(code.rawValue): \(message)" }

    static func summary(of error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing \(key.stringValue)"
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx):
            return "wrong type at \(ctx.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted: return "invalid JSON"
        default: return "undecodable"
        }
    }
}
