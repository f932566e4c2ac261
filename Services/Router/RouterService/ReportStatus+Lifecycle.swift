import Contracts

/// The router's state machine over the shared status vocabulary (``ReportStatus``, in Contracts).
///
/// ```
/// assigned ─▶ acknowledged ─▶ in_progress ─▶ resolved ─(council or reporter)─▶ reopened ─▶ acknowledged …
///    │              │               │
///    └──────────────┴───────────────┴──▶ rejected (with a reason)
/// any open status ─(referred)─▶ assigned to the new unit (report.reassigned)
/// ```
extension ReportStatus {
    /// The statuses a routed report holds in the router (`reports.status`): from `assigned` on. The
    /// pipeline's earlier statuses are intake's and the council's, and `referred` only names an update.
    public static let lifecycle: Set<ReportStatus> = [.assigned, .acknowledged, .inProgress, .resolved, .rejected, .reopened]

    /// Whether a unit still has work on it (it may be referred); false outside ``lifecycle``.
    public var isOpen: Bool {
        switch self {
        case .assigned, .acknowledged, .inProgress, .reopened: true
        case .resolved, .rejected: false
        case .received, .classified, .routed, .referred: false
        }
    }

    /// The statuses a unit's update may move this status to (referral and reopening are handled apart);
    /// none outside ``lifecycle``.
    public var next: Set<ReportStatus> {
        switch self {
        case .assigned, .reopened: [.acknowledged, .rejected]
        case .acknowledged: [.inProgress, .rejected]
        case .inProgress: [.resolved, .rejected]
        case .resolved, .rejected: []
        case .received, .classified, .routed, .referred: []
        }
    }

    /// Where this status lies on a unit's way through the report (`assigned`, or `reopened` where the way
    /// starts again, then `acknowledged`, `in_progress`, `resolved`); nil for `rejected`, which may follow
    /// any open status and so has no place in the order, and outside ``lifecycle``.
    public var step: Int? {
        switch self {
        case .assigned, .reopened: 0
        case .acknowledged: 1
        case .inProgress: 2
        case .resolved: 3
        case .rejected: nil
        case .received, .classified, .routed, .referred: nil
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
