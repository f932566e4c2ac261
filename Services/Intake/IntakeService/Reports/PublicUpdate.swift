import Contracts
import Crypto
import Foundation

/// One change in a report's public history as the Open311 updates feed shows it: no personal data, and
/// a note only where a unit wrote it.
public struct PublicUpdate: Sendable, Hashable {
    /// A stable id: derived from the report and the event that made the change, so every answer gives the
    /// same row the same id (FixMyStreet keeps an update once by it).
    public var updateID: String
    /// The report's tracking code (Open311's `service_request_id`).
    public var trackingCode: String
    /// The status the report moved to.
    public var status: ReportStatus
    /// The unit's public note (contact details masked), or nil.
    public var note: String?
    /// When the change happened.
    public var at: Date

    /// Creates an update.
    public init(updateID: String, trackingCode: String, status: ReportStatus, note: String?, at: Date) {
        self.updateID = updateID
        self.trackingCode = trackingCode
        self.status = status
        self.note = note
        self.at = at
    }

    /// The history statuses the feed lists: every state after `received` (the request itself, which
    /// `GET requests` already shows). An escalation is history without a status of its own, so not here.
    public static let listedStatuses: Set<ReportStatus> = ReportStatus.held.subtracting([.received]).union([.referred])

    /// The statuses whose note a unit wrote. A reopening's note is the reporter's or the council's words,
    /// so the feed leaves it out.
    public static let unitNoteStatuses: Set<ReportStatus> = [.acknowledged, .inProgress, .resolved, .rejected, .referred]

    /// The update id of one history row: 32 hex digits of SHA-256 over the report's id and the event's id
    /// (an event id is unique per report, not necessarily across reports).
    public static func updateID(reportID: UUID, eventID: String) -> String {
        let digest = SHA256.hash(data: Data("\(reportID.uuidString.lowercased())\u{0}\(eventID)".utf8))
        return Hex.lowercase(digest.prefix(16))
    }
}
