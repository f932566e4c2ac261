import Contracts
import Foundation

/// A case as the desk's pages show it.
struct DeskCase: Sendable {
    /// The report.
    var reportID: UUID
    /// The reporter's tracking code (what they quote on the phone).
    var trackingCode: String
    /// 1 when first delivered, one more for each referral back or reopening.
    var assignment: Int
    var serviceCode: String
    var childFriendly: Bool
    var priority: String
    /// Two digits (`06`).
    var district: String
    var deadline: Date
    var receivedAt: Date
    /// The router's word (see ``DeskStore``); `referred` once referred away.
    var status: String
    /// Where it was referred, when it was.
    var referredTo: String?
    var updatedAt: Date
    /// The delivery: description, attributes, place, the reporter's contact only if they allowed it.
    var delivery: ReportAssignedData?
    /// The request waiting for the router's answer, if any.
    var pending: Request?
    /// The newest request, when the router refused it.
    var refused: Request?
    /// How many reports the router linked to this case (not split off): the hazard has this many more reports.
    var linkedCount = 0

    /// A request made on the desk.
    struct Request: Sendable {
        var status: String
        var staffName: String
        var requestedAt: Date
        var refusalCode: String?
        var refusalReason: String?
    }

    /// Whether the unit still has work on it.
    var isOpen: Bool { ReportStatus(rawValue: status)?.isOpen ?? false }

    /// Whether it is open past its deadline at `now`.
    func isOverdue(at now: Date) -> Bool { isOpen && deadline < now }
}
