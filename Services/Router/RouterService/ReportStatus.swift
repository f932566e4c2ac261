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
}
