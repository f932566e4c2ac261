import Contracts
import ServiceHosting
import Stages
import Units

/// What a status update does to a report, decided from its current unit and status alone; the handler
/// stores it and emits the events.
public enum StatusTransition: Sendable, Equatable {
    /// The report moves to `to` with the same unit.
    case change(from: ReportStatus, to: ReportStatus)
    /// The report is referred to `unit` (new delivery, new deadline, status `assigned`).
    case refer(from: ReportStatus, to: String)
    /// The council or the reporter reopened a resolved report (new delivery to the same unit, new deadline).
    case reopen

    /// Decides the transition of `update` for a report now with `currentUnit` in `status`; an update that
    /// must never be applied throws a ``DeliveryRejection`` whose code names why (`wrong-unit`,
    /// `illegal-transition`, `unknown-unit`, `missing-reason`, `unknown-status`), one that may become legal
    /// once its predecessors arrive (``ReportStatus/awaitsPredecessor(of:)``) throws ``UpdateOutOfOrder``.
    public static func decide(
        _ update: UnitStatusUpdateData, currentUnit: String, status: ReportStatus, units: UnitDirectory
    ) throws -> StatusTransition {
        let report = update.reportID
        if update.status == ReportStatus.reopened.rawValue {
            guard UnitDirectory.reopeners.contains(update.unit) else {
                throw DeliveryRejection(code: "wrong-unit", reason: "report \(report): only the council or the reporter reopens a report, not \(update.unit)")
            }
            guard status == .resolved else {
                throw DeliveryRejection(code: "illegal-transition", reason: "report \(report): \(status.rawValue) → reopened (only a resolved report is reopened)")
            }
            return .reopen
        }
        guard update.unit != UnitDirectory.reporterParty else {
            // Intake speaks for the reporter only to reopen; anything else from it is a mistake, not a unit's word.
            throw DeliveryRejection(code: "wrong-unit", reason: "report \(report): the reporter may only reopen, not send \(update.status)")
        }
        guard update.unit == currentUnit else {
            throw DeliveryRejection(code: "wrong-unit", reason: "report \(report) is assigned to \(currentUnit), not \(update.unit)")
        }
        if update.status == ReportStatus.referred.rawValue {
            guard status.isOpen else {
                throw DeliveryRejection(code: "illegal-transition", reason: "report \(report): \(status.rawValue) → referred (it is closed)")
            }
            guard let target = update.referredTo, units.contains(target) else {
                throw DeliveryRejection(code: "unknown-unit", reason: "report \(report): referred_to \(update.referredTo ?? "(none)") is not a unit")
            }
            guard target != currentUnit else {
                throw DeliveryRejection(code: "illegal-transition", reason: "report \(report): referred to its own unit \(target)")
            }
            return .refer(from: status, to: target)
        }
        // What is left of a unit's requests: acknowledged, in_progress, resolved, rejected.
        guard let next = ReportStatus(rawValue: update.status), ReportStatus.unitReported.contains(next) else {
            throw DeliveryRejection(code: "unknown-status", reason: "report \(report): \(update.status) is not a status a unit sends")
        }
        guard status.next.contains(next) else {
            if status.awaitsPredecessor(of: next) {
                throw UpdateOutOfOrder(reportID: report, current: status, requested: next)
            }
            throw DeliveryRejection(code: "illegal-transition", reason: "report \(report): \(status.rawValue) → \(next.rawValue)")
        }
        if next == .rejected, (update.reason ?? "").allSatisfy(\.isWhitespace) {
            throw DeliveryRejection(code: "missing-reason", reason: "report \(report): a rejection needs a reason")
        }
        return .change(from: status, to: next)
    }
}
