import Foundation

/// The native API's `201` body: the ids to follow the report by, and where.
struct NativeReceipt: Encodable {
    var reportID: String
    var trackingCode: String
    /// The reporter's secret for reopening the report once resolved (shown here and in the reporter's message only).
    var reopenSecret: String
    var status: String
    var receivedAt: String
    var links: Links

    struct Links: Encodable {
        var track: String
        var open311: String
    }

    init(_ accepted: AcceptedReport, reopenSecret: String) {
        reportID = accepted.reportID.uuidString.lowercased()
        trackingCode = accepted.trackingCode.digits
        self.reopenSecret = reopenSecret
        status = accepted.status
        receivedAt = Open311Format.time(accepted.receivedAt)
        links = Links(track: "/api/v1/track/\(trackingCode)", open311: "/open311/v2/requests/\(trackingCode).json")
    }

    enum CodingKeys: String, CodingKey {
        case reportID = "report_id", trackingCode = "tracking_code", reopenSecret = "reopen_secret", status, receivedAt = "received_at", links
    }
}
