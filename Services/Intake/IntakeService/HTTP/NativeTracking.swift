import Foundation
import Taxonomy

/// The public tracking view of a report: status, unit, deadline and history — no description, no
/// personal data (a tracking code can be read over someone's shoulder).
struct NativeTracking: Encodable {
    var trackingCode: String
    var status: String
    var serviceCode: String?
    var serviceName: String?
    var childFriendly: Bool?
    var unit: String?
    var deadline: String?
    var statusNotes: String?
    var receivedAt: String
    var updatedAt: String
    var history: [Entry]

    struct Entry: Encodable {
        var status: String
        var note: String?
        var unit: String?
        var at: String
    }

    init(_ report: PublicReport, taxonomy: Taxonomy, language: String?) {
        trackingCode = report.trackingCode
        status = report.status
        serviceCode = report.serviceCode
        serviceName = report.serviceCode.flatMap { taxonomy.service($0)?.name.text(for: language) }
        childFriendly = report.childFriendly
        unit = report.unit
        deadline = report.deadline.map(Open311Format.time)
        statusNotes = report.statusNotes
        receivedAt = Open311Format.time(report.receivedAt)
        updatedAt = Open311Format.time(report.updatedAt)
        history = report.history.map { Entry(status: $0.status, note: $0.note, unit: $0.unit, at: Open311Format.time($0.at)) }
    }

    enum CodingKeys: String, CodingKey {
        case trackingCode = "tracking_code", status, serviceCode = "service_code", serviceName = "service_name"
        case childFriendly = "child_friendly", unit, deadline, statusNotes = "status_notes"
        case receivedAt = "received_at", updatedAt = "updated_at", history
    }
}
