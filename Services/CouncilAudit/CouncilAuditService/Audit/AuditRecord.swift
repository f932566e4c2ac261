import Contracts
import Crypto
import Foundation
import JSON
import ServiceHosting

/// One event as the audit log keeps it: its canonical bytes without personal contact data, the hash of
/// the message exactly as received, and the columns the log is searched by.
///
/// Personal data: `report.received` carries the reporter's contact (name, phone, e-mail) and
/// `report.classified` repeats the report with it. An append-only log can never forget, so a phone number
/// written into it could never be erased (nor kept from whoever reads the log). The log therefore stores
/// the event with `data.contact` and `data.report.contact` removed (`redacted`), and `originalSHA256`, the
/// SHA-256 of the bytes received: the original, kept by intake under its own retention rules, can still be
/// proven to be this very event. Everything the committee needs (service, district, unit, times,
/// reporter type) stays.
public struct AuditRecord: Sendable, Hashable {
    /// The event id (unique in the log).
    public var eventID: String
    /// The event type (CloudEvents `type`, or `unit.status` for a unit's update that is not a CloudEvent).
    public var eventType: String
    /// The report the event is about, when it names one (a UUID).
    public var reportID: UUID?
    /// The event's own time, when it has a readable one.
    public var eventTime: Date?
    /// The canonical bytes kept and hashed.
    public var body: [UInt8]
    /// SHA-256 of the message as received.
    public var originalSHA256: [UInt8]
    /// Whether personal data was removed from `body`.
    public var redacted: Bool
    /// The event's effect on the committee's read model of the report.
    public var patch: ReportPatch?

    /// The record of a delivered message: a CloudEvent, or (from `open137.unit-updates`) any JSON object a
    /// department system published, identified by its message id or else by the hash of its bytes.
    public static func make(body received: [UInt8], messageID: String?, routingKey: String) throws(AuditRecordError) -> AuditRecord {
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(received)
        } catch {
            throw AuditRecordError(code: .malformedEnvelope, message: "the message is not JSON")
        }
        guard case .object(var members) = parsed else {
            throw AuditRecordError(code: .malformedEnvelope, message: "the message is not a JSON object")
        }
        let originalHash = Array(SHA256.hash(data: received))
        let isCloudEvent = members["specversion"] != nil
        let eventID: String
        let eventType: String
        if isCloudEvent {
            guard let id = members["id"]?.stringValue, !id.isEmpty, let type = members["type"]?.stringValue, !type.isEmpty else {
                throw AuditRecordError(code: .malformedEnvelope, message: "a CloudEvent without id or type")
            }
            eventID = id
            eventType = type
        } else {
            eventID = messageID.flatMap { $0.isEmpty ? nil : $0 } ?? "sha256:" + Hex.lowercase(originalHash)
            eventType = routingKey.hasSuffix(".status") ? "unit.status" : (routingKey.isEmpty ? "unknown" : routingKey)
        }
        guard eventID.utf8.count <= 512 else {
            throw AuditRecordError(code: .malformedEnvelope, message: "the event id is longer than 512 bytes")
        }
        var data = (isCloudEvent ? members["data"] : parsed) ?? .null
        let redacted = Self.removeContact(from: &data)
        if redacted {
            if isCloudEvent { members["data"] = data } else if case .object(let object) = data { members = object }
        }
        let kept = JSONValue.object(members)
        let reportID = Self.reportID(subject: isCloudEvent ? members["subject"]?.stringValue : nil, data: data)
        let eventTime = (isCloudEvent ? members["time"]?.stringValue : nil).flatMap(Timestamp.parse)
        var record = AuditRecord(
            eventID: eventID, eventType: eventType, reportID: reportID, eventTime: eventTime,
            body: CanonicalJSON.bytes(kept), originalSHA256: originalHash, redacted: redacted, patch: nil)
        if let reportID {
            record.patch = ReportPatch(type: eventType, reportID: reportID, data: data, eventTime: eventTime)
        }
        return record
    }

    /// Removes personal contact data (`contact`, and `report.contact` of a classified event); true when something was removed.
    static func removeContact(from data: inout JSONValue) -> Bool {
        guard case .object(var members) = data else { return false }
        var removed = members.removeValue(forKey: "contact") != nil
        if case .object(var report)? = members["report"], report.removeValue(forKey: "contact") != nil {
            members["report"] = .object(report)
            removed = true
        }
        if removed { data = .object(members) }
        return removed
    }

    /// The report id: the CloudEvents subject, else `data.report_id`, else `data.report.report_id` — when it is a UUID.
    static func reportID(subject: String?, data: JSONValue) -> UUID? {
        for candidate in [subject, data["report_id"]?.stringValue, data["report"]?["report_id"]?.stringValue] {
            if let candidate, let id = UUID(uuidString: candidate) { return id }
        }
        return nil
    }
}
