/// The state machine of a routed report, part of the published contract (`contracts/asyncapi.yaml`): the
/// router applies it to the units' updates, and a unit's software (the desk) offers only the moves it allows.
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
}
