import Foundation
import Logging
import PostgresNIO

/// Applies events' patches to `reports`, the committee's read model, inside the appending transaction.
///
/// One statement per round: round k holds the k-th patch of each report in the batch (a batch rarely
/// holds more than one event of a report), so one statement never touches a row twice and the patches of
/// a report apply in log order. Rules, per column: a value the event carries replaces the stored one;
/// first-assignment and first-action times keep the earliest; a unit's status applies only if it is not
/// older than the status shown (events of one report may be consumed out of order); pipeline statuses
/// (received, classified, routed) show only until a unit's status arrives; counters add up; a link
/// (`linked_to`) is set by `report.linked` and cleared by `report.unlinked`, whichever happened last; the
/// reasons a case was raised as a repeat hazard (`repeat_reasons`) are kept, each once.
enum ReportProjection {
    static func apply(_ patches: [ReportPatch], on connection: PostgresConnection, logger: Logger) async throws {
        guard !patches.isEmpty else { return }
        var rounds: [[ReportPatch]] = []
        var seen: [UUID: Int] = [:]
        for patch in patches {
            let round = seen[patch.reportID, default: 0]
            seen[patch.reportID] = round + 1
            if round == rounds.count { rounds.append([]) }
            rounds[round].append(patch)
        }
        for round in rounds {
            let json = ReportPatch.jsonArray(round)
            try await connection.query(
                """
                WITH p AS (
                    SELECT * FROM jsonb_to_recordset(\(json)::jsonb) AS p(
                        report_id uuid, tracking_code text, channel text, service_code text, child_friendly boolean,
                        priority text, unit text, district text, reporter_type text, received_at timestamptz,
                        deadline timestamptz, status text, early_status text, status_at timestamptz,
                        assigned_at timestamptz, first_action_at timestamptz, resolved_at timestamptz,
                        rejected_reason text, reopened integer, referred integer, referral_count integer,
                        escalation_level integer, linked_to uuid, linked_to_tracking_code text, unlinked integer,
                        link_at timestamptz, repeat_reason text, seq bigint)
                ), updated AS (
                    UPDATE reports r SET
                        tracking_code = COALESCE(p.tracking_code, r.tracking_code),
                        channel = COALESCE(p.channel, r.channel),
                        service_code = COALESCE(p.service_code, r.service_code),
                        child_friendly = COALESCE(p.child_friendly, r.child_friendly),
                        priority = COALESCE(p.priority, r.priority),
                        unit = COALESCE(p.unit, r.unit),
                        district = COALESCE(p.district, r.district),
                        reporter_type = COALESCE(p.reporter_type, r.reporter_type),
                        received_at = COALESCE(r.received_at, p.received_at),
                        deadline = COALESCE(p.deadline, r.deadline),
                        status = CASE
                            WHEN p.status IS NOT NULL AND (r.status_at IS NULL OR p.status_at IS NULL OR p.status_at >= r.status_at) THEN p.status
                            WHEN p.early_status IS NOT NULL AND r.status_at IS NULL THEN p.early_status
                            ELSE r.status END,
                        status_at = CASE
                            WHEN p.status IS NOT NULL AND (r.status_at IS NULL OR p.status_at IS NULL OR p.status_at >= r.status_at)
                                THEN COALESCE(p.status_at, r.status_at)
                            ELSE r.status_at END,
                        assigned_at = LEAST(r.assigned_at, p.assigned_at),
                        first_action_at = LEAST(r.first_action_at, p.first_action_at),
                        resolved_at = CASE
                            WHEN p.status IS NULL OR (r.status_at IS NOT NULL AND p.status_at < r.status_at) THEN r.resolved_at
                            WHEN p.status = 'resolved' THEN p.resolved_at
                            ELSE NULL END,
                        rejected_reason = CASE
                            WHEN p.status IS NULL OR (r.status_at IS NOT NULL AND p.status_at < r.status_at) THEN r.rejected_reason
                            WHEN p.status = 'rejected' THEN p.rejected_reason
                            ELSE NULL END,
                        reopen_count = r.reopen_count + COALESCE(p.reopened, 0),
                        referral_count = GREATEST(r.referral_count + COALESCE(p.referred, 0), COALESCE(p.referral_count, 0)),
                        escalation_level = GREATEST(r.escalation_level, COALESCE(p.escalation_level, 0)),
                        linked_to = CASE
                            WHEN p.link_at IS NULL OR (r.link_at IS NOT NULL AND p.link_at < r.link_at) THEN r.linked_to
                            WHEN p.unlinked = 1 THEN NULL
                            ELSE p.linked_to END,
                        linked_to_tracking_code = CASE
                            WHEN p.link_at IS NULL OR (r.link_at IS NOT NULL AND p.link_at < r.link_at) THEN r.linked_to_tracking_code
                            WHEN p.unlinked = 1 THEN NULL
                            ELSE p.linked_to_tracking_code END,
                        link_at = GREATEST(r.link_at, p.link_at),
                        repeat_reasons = CASE
                            WHEN p.repeat_reason IS NULL OR p.repeat_reason = ANY(r.repeat_reasons) THEN r.repeat_reasons
                            ELSE array_append(r.repeat_reasons, p.repeat_reason) END,
                        last_seq = p.seq,
                        updated_at = now()
                    FROM p WHERE r.report_id = p.report_id
                    RETURNING r.report_id
                )
                INSERT INTO reports (
                    report_id, tracking_code, channel, service_code, child_friendly, priority, unit, district,
                    reporter_type, received_at, deadline, status, status_at, assigned_at, first_action_at, resolved_at,
                    rejected_reason, reopen_count, referral_count, escalation_level, linked_to, linked_to_tracking_code, link_at,
                    repeat_reasons, last_seq)
                SELECT p.report_id, p.tracking_code, p.channel, p.service_code, p.child_friendly, p.priority, p.unit,
                       p.district, p.reporter_type, p.received_at, p.deadline,
                       COALESCE(p.status, p.early_status, 'received'), p.status_at, p.assigned_at, p.first_action_at,
                       CASE WHEN p.status = 'resolved' THEN p.resolved_at END,
                       CASE WHEN p.status = 'rejected' THEN p.rejected_reason END,
                       COALESCE(p.reopened, 0), GREATEST(COALESCE(p.referred, 0), COALESCE(p.referral_count, 0)),
                       COALESCE(p.escalation_level, 0),
                       CASE WHEN p.unlinked = 1 THEN NULL ELSE p.linked_to END,
                       CASE WHEN p.unlinked = 1 THEN NULL ELSE p.linked_to_tracking_code END, p.link_at,
                       CASE WHEN p.repeat_reason IS NULL THEN '{}'::text[] ELSE ARRAY[p.repeat_reason] END, p.seq
                FROM p WHERE p.report_id NOT IN (SELECT report_id FROM updated)
                """,
                logger: logger)
        }
    }
}
