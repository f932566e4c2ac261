import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO

extension DeskStore {
    /// What storing a message did.
    enum Stored: Sendable, Equatable {
        /// Applied now.
        case applied
        /// Applied before (a redelivery): nothing changed.
        case duplicate
        /// Kept among the unreadable messages.
        case keptUnreadable
    }

    /// Stores what arrived in the unit's queue, once per event id, in one transaction (the caller acks after
    /// it returns): a delivery opens or updates its case, a linked report joins its case, an answer moves it
    /// and settles the request it answers, an unreadable message is kept with its reason.
    func store(_ message: DeskMessage, messageID: String?, routingKey: String, body: [UInt8]) async throws -> Stored {
        if case .unreadable(let reason) = message {
            _ = try await client.withTransaction(within: deadline.timeout, "keeping an unreadable message", logger: logger) { [self] connection in
                try await connection.query(
                    """
                    INSERT INTO \(unescaped: table("unreadable_messages")) (message_id, routing_key, body, reason)
                    VALUES (\(messageID), \(routingKey), \(ByteBuffer(bytes: body)), \(reason))
                    """, logger: logger)
            }
            return .keptUnreadable
        }
        guard let eventID = message.eventID else { return .keptUnreadable }
        return try await client.withTransaction(within: deadline.timeout, "storing a message of unit \(unit)", logger: logger) { [self] connection in
            guard try await inbox.process(eventID: eventID, consumer: Self.consumer, on: connection, logger: logger) else { return .duplicate }
            try await apply(message, on: connection)
            return .applied
        }
    }

    private func apply(_ message: DeskMessage, on connection: PostgresConnection) async throws {
        switch message {
        case .delivery(_, let data):
            try await open(data, on: connection)
        case .statusChanged(_, let correlationID, let data):
            guard let reportID = UUID(uuidString: data.reportID) else { return }
            let rows = try await connection.query(
                "UPDATE \(unescaped: table("cases")) SET status = \(data.status), updated_at = now() WHERE report_id = \(reportID) RETURNING 1",
                logger: logger)
            // An answer about a case this desk never had (its delivery went to another consumer) changes nothing.
            guard try await rows.changedAny() else { return }
            try await history(reportID, kind: "status-changed", status: data.status, note: data.note, reason: data.reason, by: data.by, on: connection)
            try await settle(correlationID, outcome: "confirmed", on: connection)
        case .reassigned(_, let correlationID, let data):
            guard let reportID = UUID(uuidString: data.reportID) else { return }
            let rows = try await connection.query(
                """
                UPDATE \(unescaped: table("cases")) SET status = \(ReportStatus.referred.rawValue), referred_to = \(data.unit), updated_at = now()
                WHERE report_id = \(reportID) RETURNING 1
                """, logger: logger)
            guard try await rows.changedAny() else { return }
            try await history(reportID, kind: "referred", status: ReportStatus.referred.rawValue, note: data.note, reason: nil, by: data.unit, on: connection)
            try await settle(correlationID, outcome: "confirmed", on: connection)
        case .refused(_, let correlationID, let data):
            guard var reportID = UUID(uuidString: data.reportID) else { return }
            // A refused split names the linked report; the refusal belongs in its case's history.
            if data.status == UnitLinkSplitData.refusedStatus, let caseID = try await caseOf(linked: reportID, on: connection) { reportID = caseID }
            try await history(reportID, kind: "refused", status: data.status, note: nil, reason: data.reason, by: data.code, on: connection)
            try await connection.query(
                """
                UPDATE \(unescaped: table("case_actions")) SET outcome = 'refused', refusal_code = \(data.code), refusal_reason = \(data.reason),
                    settled_at = now()
                WHERE action_id::text = \(correlationID ?? data.updateID) AND outcome = 'pending'
                """, logger: logger)
        case .linked(_, let data):
            try await link(data, on: connection)
        case .unlinked(_, let correlationID, let data):
            guard let reportID = UUID(uuidString: data.reportID), let caseID = UUID(uuidString: data.parentReportID) else { return }
            var trackingCode: String?
            for try await code in try await connection.query(
                """
                UPDATE \(unescaped: table("linked_reports")) SET split_at = now(), split_reason = \(data.reason)
                WHERE report_id = \(reportID) RETURNING tracking_code
                """, logger: logger).decode(String.self) { trackingCode = code }
            try await touch(caseID, on: connection)
            try await history(caseID, kind: "split", status: nil, note: trackingCode, reason: data.reason, by: data.unit, on: connection)
            try await settle(correlationID, outcome: "confirmed", on: connection)
        case .repeatHazard(_, let data):
            guard let reportID = UUID(uuidString: data.reportID), let deadline = CloudEvent.parseTime(data.deadline) else { return }
            let rows = try await connection.query(
                """
                UPDATE \(unescaped: table("cases")) SET priority = \(data.priority), deadline = \(deadline), updated_at = now()
                WHERE report_id = \(reportID) RETURNING 1
                """, logger: logger)
            guard try await rows.changedAny() else { return }
            try await history(reportID, kind: "repeat-hazard", status: data.priority, note: "\(data.count)", reason: data.reason.rawValue, by: nil, on: connection)
        case .unreadable:
            return
        }
    }

    /// A report joined one of the unit's cases (again, when the case came back by referral: the newest copy wins).
    private func link(_ data: ReportLinkedData, on connection: PostgresConnection) async throws {
        guard let reportID = UUID(uuidString: data.reportID), let caseID = UUID(uuidString: data.parentReportID) else {
            throw DeskStoreError(.unreadable, "a link whose report ids do not parse")
        }
        let location = try data.location.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try await connection.query(
            """
            INSERT INTO \(unescaped: table("linked_reports"))
                (report_id, case_id, tracking_code, service_code, child_friendly, district, description, location, similarity, distance_m, received_at)
            VALUES (\(reportID), \(caseID), \(data.trackingCode), \(data.serviceCode), \(data.childFriendly), \(data.district), \(data.description),
                    \(location)::jsonb, \(data.similarity), \(data.distanceMetres), \(CloudEvent.parseTime(data.receivedAt) ?? Date()))
            ON CONFLICT (report_id) DO UPDATE SET case_id = EXCLUDED.case_id, description = EXCLUDED.description,
                location = EXCLUDED.location, linked_at = now(), split_at = NULL, split_reason = NULL
            """, logger: logger)
        try await touch(caseID, on: connection)
        try await history(caseID, kind: "linked", status: nil, note: data.trackingCode, reason: nil, by: nil, on: connection)
    }

    /// The case a linked report belongs to, if the desk knows it.
    func caseOf(linked reportID: UUID, on connection: PostgresConnection) async throws -> UUID? {
        var caseID: UUID?
        for try await id in try await connection.query(
            "SELECT case_id FROM \(unescaped: table("linked_reports")) WHERE report_id = \(reportID)", logger: logger).decode(UUID.self) { caseID = id }
        return caseID
    }

    /// Marks a case changed (the list's order of closed cases, the pages' polling).
    private func touch(_ caseID: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE \(unescaped: table("cases")) SET updated_at = now() WHERE report_id = \(caseID)", logger: logger)
    }

    /// A new case, or a later assignment of a known one (a referral back, a reopening): the delivery's data
    /// replaces the old, the case is `assigned` again with its new deadline. An older assignment arriving
    /// late changes nothing.
    private func open(_ data: ReportAssignedData, on connection: PostgresConnection) async throws {
        guard let reportID = UUID(uuidString: data.reportID), let deadline = CloudEvent.parseTime(data.deadline) else {
            throw DeskStoreError(.unreadable, "a delivery whose report id or deadline does not parse")
        }
        let receivedAt = CloudEvent.parseTime(data.receivedAt) ?? Date()
        let json = String(decoding: try JSONEncoder().encode(data), as: UTF8.self)
        let rows = try await connection.query(
            """
            INSERT INTO \(unescaped: table("cases"))
                (report_id, tracking_code, assignment, service_code, child_friendly, priority, district, deadline, received_at, status, delivery)
            VALUES (\(reportID), \(data.trackingCode), \(data.assignment), \(data.serviceCode), \(data.childFriendly), \(data.priority),
                    \(data.district), \(deadline), \(receivedAt), 'assigned', \(json)::jsonb)
            ON CONFLICT (report_id) DO UPDATE SET
                assignment = EXCLUDED.assignment, service_code = EXCLUDED.service_code, child_friendly = EXCLUDED.child_friendly,
                priority = EXCLUDED.priority, district = EXCLUDED.district, deadline = EXCLUDED.deadline, status = 'assigned',
                referred_to = NULL, delivery = EXCLUDED.delivery, assigned_at = now(), updated_at = now()
            WHERE \(unescaped: table("cases")).assignment < EXCLUDED.assignment
            RETURNING 1
            """, logger: logger)
        guard try await rows.changedAny() else { return }
        try await history(reportID, kind: "delivered", status: ReportStatus.assigned.rawValue, note: nil, reason: nil,
                          by: data.assignment == 1 ? nil : "\(data.assignment)", on: connection)
    }

    /// Marks the request `correlationID` names as `outcome` (an answer to an update the desk did not send,
    /// such as the council's reopening, settles nothing).
    private func settle(_ correlationID: String?, outcome: String, on connection: PostgresConnection) async throws {
        guard let correlationID else { return }
        try await connection.query(
            """
            UPDATE \(unescaped: table("case_actions")) SET outcome = \(outcome), settled_at = now()
            WHERE action_id::text = \(correlationID) AND outcome = 'pending'
            """, logger: logger)
    }

    /// One line of a case's history.
    func history(_ reportID: UUID, kind: String, status: String?, note: String?, reason: String?, by: String?, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: table("case_history")) (report_id, kind, status, note, reason, by_whom)
            VALUES (\(reportID), \(kind), \(status), \(note), \(reason), \(by))
            """, logger: logger)
    }
}

extension PostgresRowSequence {
    /// Whether a statement with `RETURNING` touched any row (the rows are read to the end).
    func changedAny() async throws -> Bool {
        var any = false
        for try await _ in self { any = true }
        return any
    }
}
