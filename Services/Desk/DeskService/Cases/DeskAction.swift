import Contracts

/// A change of a case a desk user may ask for, and what it becomes: a status update on the unit's
/// routing key. Which ones are offered follows the contract's state machine (``ReportStatus/next``), so an
/// action the router would refuse is not offered; one the router refuses anyway comes back as a refusal.
enum DeskAction: String, Sendable, CaseIterable {
    /// Seen by the unit: `acknowledged`.
    case acknowledge
    /// Work started: `in_progress`.
    case start
    /// Done, with a note for the reporter: `resolved`.
    case resolve
    /// Not the unit's to do, with a reason: `rejected`.
    case reject
    /// Another unit's, with a reason: `referred`.
    case refer

    /// The status the update asks for.
    var status: ReportStatus {
        switch self {
        case .acknowledge: .acknowledged
        case .start: .inProgress
        case .resolve: .resolved
        case .reject: .rejected
        case .refer: .referred
        }
    }

    /// The action whose update asks for `status`, if the desk offers one.
    init?(status: ReportStatus) {
        guard let action = Self.allCases.first(where: { $0.status == status }) else { return nil }
        self = action
    }

    /// The actions the state machine allows from `status` (referral from any open status); none while an
    /// earlier request of the case waits for the router's answer.
    static func offered(from status: ReportStatus, pending: Bool) -> [DeskAction] {
        guard !pending else { return [] }
        return allCases.filter { action in
            action == .refer ? status.isOpen : status.next.contains(action.status)
        }
    }
}
