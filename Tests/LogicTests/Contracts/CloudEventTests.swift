import BrokerTopology
import Contracts
import Foundation
import Messaging
import Testing
import TestSupport

/// `CloudEvent`: what it writes, what `decode` accepts, and the error code of what it refuses.
@Suite("CloudEvent envelope")
struct CloudEventTests {
    private let reportID = "3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6f"

    private func event() -> CloudEvent {
        CloudEvent(source: ServiceName.intake.eventSource, type: EventType.reportReceived, subject: reportID, data: .object(["report_id": .string(reportID), "count": .number(3)]))
    }

    private func decodeError(_ text: String) -> EventDecodingError? {
        #expect(throws: EventDecodingError.self) { try CloudEvent.decode(Array(text.utf8)) }
    }

    @Test("encode then decode gives the same event")
    func roundTrip() throws {
        var original = event()
        original.correlationid = "journey-7"
        original.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let decoded = try CloudEvent.decode(try original.encoded())
        #expect(decoded == original)
        #expect(decoded.data["count"] == .number(3))
    }

    @Test("the encoding is CloudEvents 1.0 JSON with whole numbers kept whole")
    func encoding() throws {
        let text = String(decoding: try event().encoded(), as: UTF8.self)
        #expect(text.contains(#""specversion":"1.0""#))
        #expect(text.contains(#""datacontenttype":"application\/json""#) == false, "slashes are not escaped")
        #expect(text.contains(#""source":"/open137/intake""#))
        #expect(text.contains(#""count":3"#))
        #expect(!text.contains("correlationid"), "absent extensions are left out")
    }

    @Test("the AMQP message carries the type as routing key and the id as message id")
    func outgoingMessage() throws {
        var original = event()
        original.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let message = try original.message(exchange: Open137Topology.eventsExchange)
        #expect(message.exchange == Open137Topology.eventsExchange)
        #expect(message.routingKey == EventType.reportReceived)
        #expect(message.messageID == original.id)
        #expect(message.type == EventType.reportReceived)
        #expect(message.persistent && message.mandatory)
        #expect(message.headers["traceparent"] == .string(original.traceparent!))
        #expect(try CloudEvent.decode(message.body) == original)
    }

    @Test("a body that is not JSON is a malformed envelope")
    func notJSON() {
        #expect(decodeError("<report/>")?.code == .malformedEnvelope)
        #expect(decodeError("")?.code == .malformedEnvelope)
        #expect(decodeError("[1,2]")?.code == .malformedEnvelope)
    }

    @Test("a missing or mistyped required attribute is a malformed envelope")
    func missingAttributes() {
        let missingID = #"{"specversion":"1.0","source":"/x","type":"report.received","time":"2025-03-01T09:30:00Z","datacontenttype":"application/json","data":{}}"#
        let error = decodeError(missingID)
        #expect(error?.code == .malformedEnvelope)
        #expect(error?.message.contains("id") == true)
        let numericID = #"{"specversion":"1.0","id":7,"source":"/x","type":"report.received","time":"2025-03-01T09:30:00Z","datacontenttype":"application/json","data":{}}"#
        #expect(decodeError(numericID)?.code == .malformedEnvelope)
        let noData = #"{"specversion":"1.0","id":"1","source":"/x","type":"report.received","time":"2025-03-01T09:30:00Z","datacontenttype":"application/json"}"#
        #expect(decodeError(noData)?.code == .malformedEnvelope)
    }

    @Test("empty id, source or type is a malformed envelope")
    func emptyAttributes() {
        let emptyType = #"{"specversion":"1.0","id":"1","source":"/x","type":"","time":"2025-03-01T09:30:00Z","datacontenttype":"application/json","data":{}}"#
        #expect(decodeError(emptyType)?.code == .malformedEnvelope)
        let emptyID = #"{"specversion":"1.0","id":"","source":"/x","type":"report.received","time":"2025-03-01T09:30:00Z","datacontenttype":"application/json","data":{}}"#
        #expect(decodeError(emptyID)?.code == .malformedEnvelope)
    }

    @Test("specversion 0.3 is unsupported")
    func oldVersion() {
        let old = #"{"specversion":"0.3","id":"1","source":"/x","type":"report.received","time":"2025-03-01T09:30:00Z","datacontenttype":"application/json","data":{}}"#
        let error = decodeError(old)
        #expect(error?.code == .unsupportedVersion)
        #expect(error?.code.rawValue == "unsupported-specversion")
    }

    @Test("decode error messages carry no body content")
    func noBodyInErrors() {
        let secret = "09121234567"
        let body = #"{"specversion":"1.0","source":"/x","type":"report.received","data":{"phone":"\#(secret)"}}"#
        let error = decodeError(body)
        #expect(error != nil)
        #expect(error?.description.contains(secret) == false)
    }

    @Test("a typed payload decodes from data")
    func typedPayload() throws {
        let escalation = ReportEscalatedData(
            reportID: reportID, level: 1, unit: "parks", deadline: "2026-01-04T08:00:00.000Z", overdueHours: 0.5, escalatedAt: "2026-01-04T08:30:00.000Z")
        let typed = try CloudEvent(source: ServiceName.councilAudit.eventSource, type: EventType.reportEscalated, subject: reportID, payload: escalation)
        #expect(try typed.payload(as: ReportEscalatedData.self) == escalation)
        #expect(try AsyncAPIDocument.loadContract().validate(eventBody: try typed.encoded()).isEmpty)
    }
}
