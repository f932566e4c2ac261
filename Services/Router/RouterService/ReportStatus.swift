/// A report's status in the router's state machine.
///
/// ```
/// assigned ─▶ acknowledged ─▶ in_progress ─▶ resolved ─(council or reporter)─▶ reopened ─▶ acknowledged …
///    │              │               │
///    └──────────────┴───────────────┴──▶ rejected (with a reason)
/// any open status ─(referred)─▶ assigned to the new unit (report.reassigned)
/// ```
public enum ReportStatus: String, Sendable, Hashable, CaseIterable {
    /// Delivered to its unit, nothing heard yet (also after a referral).
    case assigned
    /// The unit has seen it.
    case acknowledged
    /// The unit is working on it.
    case inProgress = "in_progress"
    /// Done.
    case resolved
    /// The unit will not handle it (with a reason).
    case rejected
    /// The council or the reporter reopened a resolved report; back with its unit.
    case reopened

    /// Whether a unit still has work on it (it may be referred).
    public var isOpen: Bool {
        switch self {
        case .assigned, .acknowledged, .inProgress, .reopened: true
        case .resolved, .rejected: false
        }
    }

    /// The statuses a unit's update may move this status to (referral and reopening are handled apart).
    public var next: Set<ReportStatus> {
        switch self {
        case .assigned, .reopened: [.acknowledged, .rejected]
        case .acknowledged: [.inProgress, .rejected]
        case .inProgress: [.resolved, .rejected]
        case .resolved, .rejected: []
        }
    }

    /// Where this status lies on a unit's way through the report (`assigned`, or `reopened` where the way
    /// starts again, then `acknowledged`, `in_progress`, `resolved`); nil for `rejected`, which may follow
    /// any open status and so has no place in the order.
    public var step: Int? {
        switch self {
        case .assigned, .reopened: 0
        case .acknowledged: 1
        case .inProgress: 2
        case .resolved: 3
        case .rejected: nil
        }
    }

    /// Whether a unit's `next`, not a legal move from this open status, lies further along the way than the
    /// next step (`assigned → resolved`, `acknowledged → resolved`): the unit must have sent the steps
    /// between, and updates are applied several at a time, so those may still be on the way. Such an
    /// update is out of order and waits; one backwards, repeated or from a closed status never becomes legal.
    public func awaitsPredecessor(of next: ReportStatus) -> Bool {
        guard isOpen, !self.next.contains(next), let from = step, let to = next.step else { return false }
        return to > from + 1
    }
}
