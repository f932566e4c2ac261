import Contracts
import Foundation
import JSON

/// What one event changes in the committee's read model of its report (`council_audit.reports`). Events
/// are read leniently — payloads may gain fields, and a field missing leaves the report's value as it was.
/// How a patch combines with the stored row is in ``ReportProjection``: later values win, "first" times
/// keep the earliest, a status applies only when it is not older than the status shown.
public struct ReportPatch: Sendable, Hashable, Encodable {
    /// The report.
    public var reportID: UUID
    public var trackingCode: String?
    public var channel: String?
    public var serviceCode: String?
    public var childFriendly: Bool?
    public var priority: String?
    public var unit: String?
    /// Two digits (`05`), as the router writes it.
    public var district: String?
    public var reporterType: String?
    public var receivedAt: String?
    public var deadline: String?
    /// A unit's status (assigned, acknowledged, in_progress, resolved, rejected, reopened).
    public var status: String?
    /// A pipeline status (received, classified, routed) shown only until a unit's status arrives.
    public var earlyStatus: String?
    /// When `status` happened.
    public var statusAt: String?
    public var assignedAt: String?
    public var firstActionAt: String?
    public var resolvedAt: String?
    public var rejectedReason: String?
    /// 1 when this event reopened the report.
    public var reopened = 0
    /// 1 when this event referred the report to another unit.
    public var referred = 0
    /// The referral count the event states, when it does.
    public var referralCount: Int?
    public var escalationLevel = 0
    /// The case this report now follows (`report.linked`), with its tracking code.
    public var linkedTo: String?
    public var linkedToTrackingCode: String?
    /// 1 when this event split the report off its case (`report.unlinked`): the link is cleared.
    public var unlinked = 0
    /// When the link or the split happened (set by those two events only): an older one never overwrites a newer.
    public var linkAt: String?
    /// Why the router raised the case (`report.repeat-hazard`); added to the reasons kept, each once.
    public var repeatReason: String?
    /// The log entry of this event (set when appended).
    public var seq: Int64 = 0

    /// The statuses that are a unit's first action on a report.
    static let actions: Set<ReportStatus> = [.acknowledged, .inProgress, .resolved, .rejected]

    /// The patch of an event of `type` with `data`, or nil when the type changes nothing in the read model.
    public init?(type: String, reportID: UUID, data: JSONValue, eventTime: Date?) {
        self.reportID = reportID
        let time = eventTime.map(Timestamp.format)
        switch type {
        case EventType.reportReceived:
            readReport(data)
            earlyStatus = ReportStatus.received.rawValue
        case EventType.reportClassified:
            readReport(data["report"] ?? .null)
            let classification = data["classification"] ?? .null
            serviceCode = classification["service_code"]?.stringValue ?? serviceCode
            childFriendly = classification["child_friendly"]?.boolValue ?? childFriendly
            priority = Self.text(classification["priority"]) ?? priority
            earlyStatus = ReportStatus.classified.rawValue
        case EventType.reportRouted:
            readReport(data)
            priority = Self.text(data["priority"])
            unit = data["unit"]?.stringValue
            childFriendly = data["child_friendly"]?.boolValue ?? childFriendly
            deadline = Self.time(data["deadline"])
            reporterType = data["reporter_type"]?.stringValue ?? reporterType
            district = Self.district(data["district"]) ?? district
            earlyStatus = ReportStatus.routed.rawValue
            assignedAt = time
        case EventType.reportAssigned:
            unit = data["unit"]?.stringValue
            assignedAt = Self.time(data["at"]) ?? time
        case EventType.reportStatusChanged:
            guard let status = data["status"]?.stringValue else { return nil }
            let at = Self.time(data["at"]) ?? time
            self.status = status
            statusAt = at
            unit = data["unit"]?.stringValue
            // Stored as sent (read leniently); only the statuses of the vocabulary set the times and flags.
            let known = ReportStatus(rawValue: status)
            if known == .assigned { assignedAt = at }
            if let known, Self.actions.contains(known) { firstActionAt = at }
            if known == .resolved { resolvedAt = at }
            if known == .rejected { rejectedReason = data["reason"]?.stringValue ?? data["note"]?.stringValue }
            if known == .reopened { reopened = 1 }
        case EventType.reportReassigned:
            unit = data["unit"]?.stringValue
            deadline = Self.time(data["deadline"])
            referred = 1
            referralCount = data["referral_count"]?.numberValue.map { Int($0) }
        case EventType.reportEscalated:
            escalationLevel = data["level"]?.numberValue.map { Int($0) } ?? 0
        case EventType.reportLinked:
            // The linked report takes the case's unit, status and deadline; it was handed to the unit when it
            // was linked, as a routed report is when it is routed. Its first action is left to the status
            // changes it gets from now on: the case's earlier actions were not taken on this report.
            guard let parent = data["parent_report_id"]?.stringValue.flatMap(UUID.init(uuidString:)) else { return nil }
            let at = Self.time(data["at"]) ?? time
            trackingCode = data["tracking_code"]?.stringValue
            serviceCode = data["service_code"]?.stringValue
            childFriendly = data["child_friendly"]?.boolValue
            unit = data["unit"]?.stringValue
            district = Self.district(data["district"])
            receivedAt = Self.time(data["received_at"])
            deadline = Self.time(data["deadline"])
            if let status = data["status"]?.stringValue {
                self.status = status
                statusAt = at
            }
            assignedAt = at
            linkedTo = parent.uuidString.lowercased()
            linkedToTrackingCode = data["parent_tracking_code"]?.stringValue
            linkAt = at
        case EventType.reportRepeatHazard:
            // The case's priority and deadline raised; the reason joins those the committee lists it by.
            guard let reason = data["reason"]?.stringValue else { return nil }
            repeatReason = reason
            priority = Self.text(data["priority"])
            deadline = Self.time(data["deadline"])
        case EventType.reportUnlinked:
            // A case of its own again: assigned to the unit that split it, with its own deadline.
            let at = Self.time(data["at"]) ?? time
            unit = data["unit"]?.stringValue
            deadline = Self.time(data["deadline"])
            status = ReportStatus.assigned.rawValue
            statusAt = at
            unlinked = 1
            linkAt = at
        default:
            return nil
        }
    }

    /// The report's own fields, as `report.received` (and the `report` of `report.classified`) carries them.
    private mutating func readReport(_ report: JSONValue) {
        trackingCode = report["tracking_code"]?.stringValue
        channel = report["channel"]?.stringValue
        serviceCode = report["service_code"]?.stringValue
        if let code = serviceCode { childFriendly = code.hasPrefix("CFC-") ? true : nil }
        district = Self.district(report["location"]?["district"]) ?? Self.district(report["district"])
        reporterType = report["reporter"]?["type"]?.stringValue ?? report["reporter_type"]?.stringValue
        receivedAt = Self.time(report["received_at"])
    }

    /// A district as two digits, from a number (5) or a string ("5", "05").
    static func district(_ value: JSONValue?) -> String? {
        let number: Int?
        switch value {
        case .number(let n)?: number = n.rounded() == n ? Int(n) : nil
        case .string(let s)?: number = Int(s.trimmingCharacters(in: .whitespaces))
        default: number = nil
        }
        guard let number, (1...99).contains(number) else { return nil }
        return number < 10 ? "0\(number)" : String(number)
    }

    /// A string, or a number written as one (a priority may be either).
    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)?: return s
        case .number(let n)?: return String(Int(n))
        default: return nil
        }
    }

    /// A valid RFC 3339 time, normalised (an unreadable time is dropped rather than failing the batch).
    static func time(_ value: JSONValue?) -> String? {
        value?.stringValue.flatMap(Timestamp.parse).map(Timestamp.format)
    }

    enum CodingKeys: String, CodingKey {
        case reportID = "report_id", trackingCode = "tracking_code", channel, serviceCode = "service_code"
        case childFriendly = "child_friendly", priority, unit, district, reporterType = "reporter_type"
        case receivedAt = "received_at", deadline, status, earlyStatus = "early_status", statusAt = "status_at"
        case assignedAt = "assigned_at", firstActionAt = "first_action_at", resolvedAt = "resolved_at"
        case rejectedReason = "rejected_reason", reopened, referred, referralCount = "referral_count"
        case escalationLevel = "escalation_level", linkedTo = "linked_to", linkedToTrackingCode = "linked_to_tracking_code"
        case unlinked, linkAt = "link_at", seq
    }
}
