import Events
import Foundation

/// The `report.classified` event of one report, written by hand in one pass — the bytes
/// `CloudEvent(payload: ReportClassifiedData(…)).encoded()` writes (sorted keys, absent optionals left
/// out), without its three Foundation passes (encode the payload, decode it into a `JSONValue`, encode
/// the envelope), which cost more per report than the rest of the statement's preparation.
struct ReportClassifiedEvent: Sendable {
    /// The event id (also the AMQP message id and the outbox key).
    var id: String = UUID().uuidString.lowercased()
    /// The emitting service, as a URI reference.
    var source: String
    /// When the classification happened (RFC 3339).
    var time: String = CloudEvent.formatTime(Date())
    /// The report as intake accepted it.
    var report: ReportReceivedData
    /// What the classifier decided.
    var classification: ReportClassification
    /// The journey's correlation id.
    var correlationID: String?
    /// The W3C trace context carried on from `report.received`.
    var traceparent: String?

    /// The event type (also the routing key).
    var type: String { EventType.reportClassified }

    /// The event's JSON (a CloudEvents 1.0 structured envelope; `subject` is the report id).
    func encoded() -> [UInt8] {
        var json = JSONText()
        json.reserveCapacity(1_536)
        json.raw("{")
        var first = true
        if let correlationID { json.member("correlationid", correlationID, first: true); first = false }
        json.memberName("data", first: first)
        json.raw("{")
        json.memberName("classification", first: true)
        Self.write(classification, to: &json)
        json.memberName("report")
        Self.write(report, to: &json)
        json.raw("}")
        json.member("datacontenttype", "application/json")
        json.member("id", id)
        json.member("source", source)
        json.member("specversion", "1.0")
        json.member("subject", report.reportID)
        json.member("time", time)
        if let traceparent { json.member("traceparent", traceparent) }
        json.member("type", type)
        json.raw("}")
        return json.bytes
    }

    /// Members in byte order of their names, as `JSONEncoder` with sorted keys.
    private static func write(_ c: ReportClassification, to json: inout JSONText) {
        json.raw("{")
        var first = true
        if let code = c.channelServiceCode { json.member("channel_service_code", code, first: true); first = false }
        json.member("child_friendly", literal: String(c.childFriendly), first: first)
        json.member("confidence", number: c.confidence)
        json.member("evidence", strings: c.evidence)
        json.member("model_version", c.modelVersion)
        json.member("priority", c.priority)
        json.member("service_code", c.serviceCode)
        json.member("triage", literal: String(c.triage))
        if let reason = c.triageReason { json.member("triage_reason", reason) }
        json.raw("}")
    }

    /// Members in byte order of their names, as `JSONEncoder` with sorted keys.
    private static func write(_ r: ReportReceivedData, to json: inout JSONText) {
        json.raw("{")
        json.member("attributes", value: .object(r.attributes), first: true)
        json.member("channel", r.channel)
        if let contact = r.contact { json.member("contact", writing: contact) }
        json.member("contact_allowed", literal: String(r.contactAllowed))
        json.member("description", r.description)
        if let location = r.location { json.member("location", writing: location) }
        json.member("media_urls", strings: r.mediaURLs)
        json.member("received_at", r.receivedAt)
        json.member("report_id", r.reportID)
        json.memberName("reporter")
        write(r.reporter, to: &json)
        if let code = r.serviceCode { json.member("service_code", code) }
        json.member("tracking_code", r.trackingCode)
        json.raw("}")
    }

    /// Written here rather than with `ReporterProfile`'s own `JSONWritable` writer, which leaves out
    /// `notify` (a reporter's opt-out must reach every stage that reads `report.classified`).
    private static func write(_ p: ReporterProfile, to json: inout JSONText) {
        json.raw("{")
        var first = true
        if let ageBand = p.ageBand { json.member("age_band", ageBand, first: first); first = false }
        if let language = p.language { json.member("language", language, first: first); first = false }
        if let notify = p.notify { json.member("notify", literal: String(notify), first: first); first = false }
        if let type = p.type { json.member("type", type, first: first) }
        json.raw("}")
    }
}
