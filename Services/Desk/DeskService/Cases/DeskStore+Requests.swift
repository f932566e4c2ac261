import BrokerTopology
import Contracts
import Foundation
import Messaging
import Persistence
import PostgresNIO
import StaffAccounts

extension DeskStore {
    /// What became of a request from the desk.
    enum RequestOutcome: Sendable, Equatable {
        /// Stored with its status update in the outbox; pending until the router answers.
        case sent(actionID: UUID)
        /// The unit has no such case.
        case noSuchCase
        /// The form's problems, checked against the case as it is now (under its row lock).
        case problems([DeskActionRequest.Problem])
    }

    /// The CloudEvents source of the unit's status updates sent from the desk (`/open137/desk/parks`).
    var source: String { "/open137/desk/\(unit)" }

    /// Checks a posted action against the case as it is now and, if it may go, stores the request, a line
    /// of history and the unit's status update (outbox) in one transaction: published as the unit's user
    /// once the broker confirms, kept if the broker is down. The update's id is the request's, and its
    /// correlation id too, so the router's answer settles this request.
    func request(
        reportID: UUID, action: String?, note: String?, reason: String?, referredTo: String?, units: [String], by account: StaffAccount
    ) async throws -> RequestOutcome {
        try await outbox.transaction("a status request of unit \(unit)", client: client, deadline: deadline, logger: logger) { [self] writes in
            let connection = writes.connection
            let rows = try await connection.query(
                """
                SELECT status, EXISTS (SELECT 1 FROM \(unescaped: table("case_actions")) a WHERE a.report_id = c.report_id AND a.outcome = 'pending')
                FROM \(unescaped: table("cases")) c WHERE c.report_id = \(reportID) FOR UPDATE
                """, logger: logger)
            var found: (String, Bool)?
            for try await row in rows.decode((String, Bool).self) { found = row }
            guard let (statusText, pending) = found, let status = ReportStatus(rawValue: statusText) else { return .noSuchCase }
            let checked = DeskActionRequest.check(action: action, note: note, reason: reason, referredTo: referredTo,
                                                 status: status, pending: pending, unit: unit, units: units)
            let request: DeskActionRequest
            switch checked {
            case .problems(let problems): return .problems(problems)
            case .valid(let valid): request = valid
            }
            let actionID = UUID()
            let id = actionID.uuidString.lowercased()
            try await connection.query(
                """
                INSERT INTO \(unescaped: table("case_actions")) (action_id, report_id, status, note, reason, referred_to, staff_account, staff_name)
                VALUES (\(actionID), \(reportID), \(request.action.status.rawValue), \(request.note), \(request.reason), \(request.referredTo),
                        \(account.accountID), \(account.displayName))
                """, logger: logger)
            try await history(reportID, kind: "requested", status: request.action.status.rawValue, note: request.note, reason: request.reason,
                              by: account.displayName, on: connection)
            let update = EncodedEvent(
                id: id, source: source, type: UnitStatusUpdateData.eventType, time: Date(), subject: reportID.uuidString.lowercased(),
                data: request.update(reportID: reportID.uuidString.lowercased(), unit: unit), correlationID: id)
            var message = try update.message(exchange: Open137Topology.unitUpdatesExchange)
            message.routingKey = "\(unit).status"
            _ = try await writes.insert([message])
            return .sent(actionID: actionID)
        }
    }

    /// Asks the router to split the linked report `linkedID` off the case `caseID` (it is another hazard):
    /// checked under the case's row lock — the report is linked to this case and not split, no request of
    /// the case is pending, a reason is given — then stored like a status request (request, history line,
    /// `unit.link-split` in the outbox, its id the request's). Problems name the field `split-reason`.
    func requestSplit(caseID: UUID, linkedID: UUID, reason: String?, by account: StaffAccount) async throws -> RequestOutcome {
        try await outbox.transaction("a split request of unit \(unit)", client: client, deadline: deadline, logger: logger) { [self] writes in
            let connection = writes.connection
            let rows = try await connection.query(
                """
                SELECT EXISTS (SELECT 1 FROM \(unescaped: table("case_actions")) a WHERE a.report_id = c.report_id AND a.outcome = 'pending'),
                       l.tracking_code
                FROM \(unescaped: table("cases")) c
                JOIN \(unescaped: table("linked_reports")) l ON l.case_id = c.report_id AND l.report_id = \(linkedID) AND l.split_at IS NULL
                WHERE c.report_id = \(caseID) FOR UPDATE OF c
                """, logger: logger)
            var found: (Bool, String)?
            for try await row in rows.decode((Bool, String).self) { found = row }
            guard let (pending, trackingCode) = found else { return .noSuchCase }
            let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if pending {
                return .problems([DeskActionRequest.Problem(
                    field: "split-reason", code: "pending", fa: "تا تأیید درخواست پیشین، اقدام دیگری ممکن نیست.",
                    en: "No other action until the earlier request is confirmed.")])
            }
            if reason.isEmpty {
                return .problems([DeskActionRequest.Problem(
                    field: "split-reason", code: "required", fa: "بنویسید چرا این گزارش موضوع دیگری است.", en: "Say why this report is another hazard.")])
            }
            if reason.count > 2000 {
                return .problems([DeskActionRequest.Problem(
                    field: "split-reason", code: "too-long", fa: "دلیل حداکثر ۲۰۰۰ نویسه است.", en: "The reason is at most 2000 characters.")])
            }
            let actionID = UUID()
            let id = actionID.uuidString.lowercased()
            let split = UnitLinkSplitData.refusedStatus
            try await connection.query(
                """
                INSERT INTO \(unescaped: table("case_actions")) (action_id, report_id, status, note, reason, staff_account, staff_name)
                VALUES (\(actionID), \(caseID), \(split), \(trackingCode), \(reason), \(account.accountID), \(account.displayName))
                """, logger: logger)
            try await history(caseID, kind: "requested", status: split, note: trackingCode, reason: reason, by: account.displayName, on: connection)
            let request = EncodedEvent(
                id: id, source: source, type: UnitLinkSplitData.eventType, time: Date(), subject: linkedID.uuidString.lowercased(),
                data: UnitLinkSplitData(reportID: linkedID.uuidString.lowercased(), unit: unit, reason: reason), correlationID: id)
            var message = try request.message(exchange: Open137Topology.unitUpdatesExchange)
            message.routingKey = "\(unit).status"
            _ = try await writes.insert([message])
            return .sent(actionID: actionID)
        }
    }
}
