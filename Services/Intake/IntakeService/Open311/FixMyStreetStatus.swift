import Contracts

/// The status words of FixMyStreet's Open311 update extension (`servicerequestupdates`): the spec's
/// `OPEN`/`CLOSED` and mySociety's additional states. The updates feed says each Open137 status in one
/// of them; a citizen's update POSTed by FixMyStreet carries one.
enum FixMyStreetStatus: String, CaseIterable, Sendable {
    /// Open, nothing more said (FixMyStreet: `confirmed`).
    case open = "OPEN"
    /// Closed, no reason given.
    case closed = "CLOSED"
    /// Fixed by the council.
    case fixed = "FIXED"
    /// Being worked on.
    case inProgress = "IN_PROGRESS"
    /// Work is planned.
    case actionScheduled = "ACTION_SCHEDULED"
    /// The council is looking into it.
    case investigating = "INVESTIGATING"
    /// Another report says the same.
    case duplicate = "DUPLICATE"
    /// Not the council's to handle.
    case notCouncilsResponsibility = "NOT_COUNCILS_RESPONSIBILITY"
    /// Nothing will be done.
    case noFurtherAction = "NO_FURTHER_ACTION"
    /// Passed on inside the council (a closed state in FixMyStreet).
    case internalReferral = "INTERNAL_REFERRAL"
    /// Waiting for triage.
    case forTriage = "FOR_TRIAGE"
    /// Withdrawn.
    case cancelled = "CANCELLED"
    /// Opened again after being closed or fixed.
    case reopen = "REOPEN"

    /// How the feed says an Open137 status. `referred` is `OPEN`, not `INTERNAL_REFERRAL`: the report is
    /// assigned afresh to another unit and stays open, while FixMyStreet counts an internal referral as
    /// closed. `rejected` is `NO_FURTHER_ACTION` (FixMyStreet's "unable to fix"): a unit's rejection says
    /// nothing more specific in a field, and `CLOSED` reads as "fixed" to a FixMyStreet body without the
    /// additional states. `reopened` is `OPEN`, which every FixMyStreet understands.
    init(_ status: ReportStatus) {
        switch status {
        case .received, .classified, .routed, .assigned, .referred, .reopened: self = .open
        case .acknowledged: self = .investigating
        case .inProgress: self = .inProgress
        case .resolved: self = .fixed
        case .rejected: self = .noFurtherAction
        }
    }

    /// A status word as a client sends it, in any case (`open`, `In_Progress`); nil for any other word.
    init?(word: String) {
        self.init(rawValue: word.uppercased())
    }

    /// Whether a citizen's update with this status asks for a closed report to be opened again.
    var asksToReopen: Bool {
        self == .open || self == .reopen
    }
}
