/// The status vocabulary of a report, one name for every service: the pipeline's statuses (intake,
/// classifier, router), the statuses a unit moves a report through, and the requests a status update may
/// make. The raw values are the wire contract (`contracts/asyncapi.yaml`'s `ReportStatus` and
/// `UnitStatusUpdateData.status`, intake's OpenAPI, the databases' `status` columns): never rename one.
///
/// The payloads keep their status fields as `String` — a reader must take an unknown status as the data it
/// is and refuse it with its own reason (the router dead-letters it as `unknown-status`), not fail to
/// decode — and compare them with this type. The router's state machine over these statuses is the
/// router's (`RouterService`'s `ReportStatus+Lifecycle.swift`).
public enum ReportStatus: String, Sendable, Hashable, CaseIterable {
    /// Intake accepted the report (`report.received`).
    case received
    /// The classifier decided its service code and priority (`report.classified`).
    case classified
    /// The router picked its unit (`report.routed`); the council's view shows it until a unit's status arrives.
    case routed
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
    /// A unit hands the report to another unit (`referred_to`): asked for by an update and written in a
    /// report's history, never a status a report stays in (a referred report is `assigned` to the new unit).
    case referred
    /// The council or the reporter reopened a resolved report; back with its unit.
    case reopened

    /// The statuses a status update may ask for (`UnitStatusUpdateData.status`, intake's
    /// `POST /api/v1/reports/{id}/status`): a unit's `acknowledged`, `in_progress`, `resolved`, `rejected`,
    /// `referred`, and `reopened`, which only the council or the reporter may ask for.
    public static let unitReported: Set<ReportStatus> = [.acknowledged, .inProgress, .resolved, .rejected, .referred, .reopened]

    /// Every status a report can be in: all but `referred`, which names a request, not a state.
    public static let held: Set<ReportStatus> = Set(allCases).subtracting([.referred])
}
