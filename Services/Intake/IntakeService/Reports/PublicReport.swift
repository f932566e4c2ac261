import Foundation
import ServiceHosting

/// A report as the public may see it — tracking, Open311 `GET requests` — without personal data: no
/// name, phone or e-mail, and phone numbers or e-mail addresses typed into the description are masked.
public struct PublicReport: Sendable, Hashable {
    /// The report's id.
    public var reportID: UUID
    /// Its tracking code (Open311's `service_request_id`).
    public var trackingCode: String
    /// The channel it came from.
    public var channel: String
    /// The description, with contact details masked.
    public var description: String
    /// The code the channel chose.
    public var requestedServiceCode: String?
    /// The code decided (the classifier's, else the channel's).
    public var serviceCode: String?
    /// Whether it is a child-friendly city report, once classified.
    public var childFriendly: Bool?
    /// Its priority, once classified.
    public var priority: String?
    /// The public status: received, classified, assigned, acknowledged, in_progress, resolved, rejected, referred.
    public var status: String
    /// The unit's last note.
    public var statusNotes: String?
    /// The unit responsible, once routed.
    public var unit: String?
    /// The deadline, once routed.
    public var deadline: Date?
    /// Latitude.
    public var lat: Double?
    /// Longitude.
    public var long: Double?
    /// Address as given.
    public var address: String?
    /// District 1–22.
    public var district: Int?
    /// Linked media.
    public var mediaURLs: [String]
    /// When intake accepted it.
    public var receivedAt: Date
    /// When it last changed.
    public var updatedAt: Date
    /// Its public history, oldest first (filled for single-report reads).
    public var history: [HistoryEntry]
    /// The case this report follows, while the router has it linked to one (filled for single-report
    /// reads). Never shown: the case is another reporter's report; only `caseReports` is.
    public var linkedTo: UUID? = nil
    /// How many reports the case this report belongs to has — the case's own and every report linked to it
    /// (filled for single-report reads; 1 for a report that is its own case with nothing linked).
    public var caseReports: Int = 1

    /// Whether the report follows another report's case.
    public var isLinked: Bool { linkedTo != nil }

    /// One state change in a report's public history.
    public struct HistoryEntry: Sendable, Hashable {
        /// The status it moved to, or the kind of a line that is not a status (`escalated`, `linked`, `unlinked`).
        public var status: String
        /// The unit's note, if any.
        public var note: String?
        /// The unit, if any.
        public var unit: String?
        /// When.
        public var at: Date
    }

    /// Open311's two-valued status: closed once resolved or rejected.
    public var open311Status: String {
        Self.closedStatuses.contains(status) ? "closed" : "open"
    }

    /// `text` with phone numbers and e-mail addresses masked: what the public sees of anything a person
    /// typed (descriptions, the units' notes), since people quote their own or others' numbers there.
    public static func masked(_ text: String) -> String {
        Redaction.redactContactDetails(text)
    }

    /// The statuses Open311 shows as `closed`.
    public static let closedStatuses: Set<String> = ["resolved", "rejected"]
}
