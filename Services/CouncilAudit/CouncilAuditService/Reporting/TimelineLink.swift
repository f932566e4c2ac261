import Contracts
import JSON

/// What a timeline entry of `report.linked` or `report.unlinked` says about the report's case, read from
/// the event as logged, so the API's reader gets the match or the split without parsing each event type:
/// the case joined (its id and tracking code), how alike and how far apart the two were, or which unit
/// split it off and why. Nothing personal: a link event on the events exchange carries ids, codes and the
/// match only (the log removes contact data from every event anyway).
public struct TimelineLink: Sendable, Hashable, Encodable {
    /// `linked` or `unlinked`.
    public var kind: String
    /// The case's first report.
    public var caseReportID: String?
    /// The case's tracking code (links only).
    public var caseTrackingCode: String?
    /// How alike the descriptions were, 0–1 (links only).
    public var similarity: Double?
    /// Metres between the two points; nil when they met by district and place, or for a split.
    public var distanceM: Double?
    /// The unit: the case's on a link, the one that split it off on a split.
    public var unit: String?
    /// The unit's reason for a split.
    public var reason: String?

    /// The link or split of an entry of `type` with the logged `event`, or nil for any other type.
    public init?(type: String, event: JSONValue) {
        let data = event["data"]
        switch type {
        case EventType.reportLinked:
            kind = "linked"
            caseTrackingCode = data?["parent_tracking_code"]?.stringValue
            similarity = data?["similarity"]?.numberValue
            distanceM = data?["distance_m"]?.numberValue
        case EventType.reportUnlinked:
            kind = "unlinked"
            reason = data?["reason"]?.stringValue
        default:
            return nil
        }
        caseReportID = data?["parent_report_id"]?.stringValue
        unit = data?["unit"]?.stringValue
    }
}
