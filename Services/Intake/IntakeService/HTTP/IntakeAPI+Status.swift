import WebAPI
import BrokerTopology
import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import JSON

extension IntakeAPI {
    /// `POST /api/v1/reports/{id}/status` — a unit's status update with the unit's key (`open137 keys create
    /// --channel unit:<unit>`, or `--channel council`): checked here, queued for the router through the
    /// outbox, answered `202` (the router applies it; what it refuses it dead-letters with the reason).
    func addStatusRoutes(to router: Router<IntakeRequestContext>) {
        router.post("/api/v1/reports/{report_id}/status") { request, context in
            try await postStatus(request, context: context)
        }
        router.post("/api/v1/track/{tracking_code}/reopen") { request, context in
            try await reopen(request, context: context)
        }
    }

    /// `POST /api/v1/track/{tracking_code}/reopen` — the reporter says a resolved report is not resolved:
    /// `{"secret": "12345678", "note": "…"}`. The tracking code is public (Open311 lists it), so the
    /// reporter proves who they are with the secret given with the tracking code. Rate limited per
    /// address; a few reopenings per report; wrong secrets lock the report's public reopen for a while.
    /// Queued for the router as `reporter.status`; `202`, `403` without the right secret, `409` when not
    /// resolved or reopened as often as allowed, `429` while locked.
    private func reopen(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        try limitAddress(context)
        if let wait = reopenLimiter.acquire(context.clientAddress) { throw APIError.rateLimited(retryAfter: wait) }
        let text = context.parameters.get("tracking_code") ?? ""
        guard let code = TrackingCode(parsing: text.removingPercentEncoding ?? text) else {
            throw APIError(.badRequest, code: "invalid-tracking-code", message: "a tracking code has 10 digits; check it and try again")
        }
        let body = try await collectBody(request)
        let (secret, note) = try Self.reopenRequest(body)
        guard let secret else {
            throw APIError(.forbidden, code: "reopen-secret-required",
                           message: "reopening needs the reporter's secret, given with the tracking code")
        }
        let outcome = try await store.reopenByReporter(code, note: note) { [reopenSecret] reportID in
            reopenSecret.verify(secret, forReport: reportID)
        }
        switch outcome {
        case .unknown:
            throw APIError(.notFound, code: "not-found", message: "no report has this tracking code")
        case .wrongSecret:
            context.logger.notice("reopening refused: wrong secret", metadata: ["tracking_code": "\(code.digits)"])
            throw APIError(.forbidden, code: "reopen-secret-invalid", message: "this is not the report's secret")
        case .locked(let seconds):
            throw APIError(.tooManyRequests, code: "reopen-locked", message: "too many wrong secrets for this report; try again later",
                           retryAfter: seconds)
        case .notResolved(let status):
            throw APIError(.conflict, code: "not-resolved", message: "only a resolved report can be reopened; this one is \(status)")
        case .limitReached(let allowed):
            throw APIError(.conflict, code: "reopen-limit",
                           message: "a report can be reopened by its reporter \(allowed) times; call 137 for more")
        case .queued(let reportID):
            context.logger.info("reopening by the reporter queued", metadata: ["report_id": "\(reportID)"])
            return try Self.json(StatusReceipt(updateID: "reopen", reportID: reportID, unit: "reporter", status: "reopened"), status: .accepted)
        }
    }

    /// The secret and the note of a reopen body (`{"secret": "…", "note": "…"}`; an empty body has neither).
    static func reopenRequest(_ body: ByteBuffer) throws(APIError) -> (secret: String?, note: String?) {
        guard body.readableBytes > 0 else { return (nil, nil) }
        guard let json = try? JSONValue.parse(Array(buffer: body)), case .object(let fields) = json else {
            throw APIError(.badRequest, code: "malformed-json", message: "the body is not a JSON object")
        }
        var problems: [FieldProblem] = []
        for key in fields.keys.sorted() where key != "note" && key != "secret" {
            problems.append(FieldProblem(field: key, code: "unknown-field", message: "no such field"))
        }
        var secret: String?
        switch fields["secret"] {
        case nil, .null?: break
        case .string(let value)? where value.count <= 32: secret = value
        case _?: problems.append(FieldProblem(field: "secret", code: "invalid-value", message: "the 8-digit secret, as a string"))
        }
        var note: String?
        switch fields["note"] {
        case nil, .null?: break
        case .string(let value)? where value.count <= 2_000 && !SubmissionValidator.containsMarkup(value): note = value
        case _?: problems.append(FieldProblem(field: "note", code: "invalid-value", message: "at most 2000 characters of plain text"))
        }
        guard problems.isEmpty else {
            throw APIError(.badRequest, code: "invalid-request", message: "the request has invalid fields", fields: problems)
        }
        return (secret, note)
    }

    private func postStatus(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        try limitAddress(context)
        let identity = try await authenticate(key: Self.bearerKey(request))
        let keyUnit: String?
        if identity.channel == "*" {
            // The development key submits for every channel; it speaks for units only where that is asked for.
            guard developmentKeyActsForUnits else {
                throw APIError(.forbidden, code: "not-a-unit-key",
                               message: "the development key submits reports only; use a unit's key (or set OPEN137_API_KEY_ACTS_FOR_UNITS)")
            }
            keyUnit = nil
        } else if identity.channel == "council" {
            keyUnit = "council"
        } else if identity.channel.hasPrefix("unit:") {
            keyUnit = String(identity.channel.dropFirst("unit:".count))
        } else {
            throw APIError(.forbidden, code: "not-a-unit-key", message: "status updates need a unit's key (or the council's)")
        }
        guard let reportID = context.parameters.get("report_id").flatMap(UUID.init(uuidString:)) else {
            throw APIError(.badRequest, code: "invalid-report-id", message: "the report id is a UUID")
        }
        if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw APIError(.unsupportedMediaType, code: "unsupported-media-type", message: "send the update as application/json")
        }
        let body = try await collectBody(request)
        guard let json = try? JSONValue.parse(Array(buffer: body)), case .object(let fields) = json else {
            throw APIError(.badRequest, code: "malformed-json", message: "the body is not a JSON object")
        }
        let update = try Self.statusUpdate(fields, reportID: reportID, keyUnit: keyUnit)
        guard let assigned = try await store.assignedUnit(reportID) else {
            throw APIError(.notFound, code: "not-found", message: "no report has this id")
        }
        // A unit speaks only for reports routed to it. The read model may lag a referral by a moment; the
        // router's state machine stays the authority (it dead-letters what slips through), but a unit's key
        // is refused here for a report the read model already shows at another unit.
        if let keyUnit, keyUnit != "council", let assigned, assigned != keyUnit {
            throw APIError(.forbidden, code: "not-assigned", message: "this report is not assigned to \(keyUnit)")
        }
        let eventID = request.headers[.idempotencyKey].map { Self.statusEventID(identity.keyID, $0) } ?? UUID().uuidString.lowercased()
        let queued = try await store.enqueueStatusUpdate(update, eventID: eventID)
        context.logger.info("status update queued", metadata: [
            "report_id": "\(update.reportID)", "unit": "\(update.unit)", "status": "\(update.status)", "replayed": "\(!queued)",
        ])
        return try Self.json(StatusReceipt(updateID: eventID, reportID: update.reportID, unit: update.unit, status: update.status), status: .accepted)
    }

    private static func statusEventID(_ keyID: String, _ idempotencyKey: String) -> String {
        ReportStore.statusEventID(keyID: keyID, idempotencyKey: idempotencyKey)
    }

    /// The update a body describes, every field checked; the unit is the key's (a unit speaks for itself only).
    static func statusUpdate(_ fields: [String: JSONValue], reportID: UUID, keyUnit: String?) throws(APIError) -> UnitStatusUpdateData {
        var problems: [FieldProblem] = []
        let known: Set<String> = ["report_id", "unit", "status", "note", "reason", "referred_to"]
        for key in fields.keys.sorted() where !known.contains(key) {
            problems.append(FieldProblem(field: key, code: "unknown-field", message: "no such field"))
        }
        func text(_ key: String, max: Int) -> String? {
            switch fields[key] {
            case nil, .null?: return nil
            case .string(let value)?:
                if value.count > max || SubmissionValidator.containsMarkup(value) {
                    problems.append(FieldProblem(field: key, code: "invalid-value", message: "at most \(max) characters of plain text"))
                    return nil
                }
                return value
            case _?:
                problems.append(FieldProblem(field: key, code: "wrong-type", message: "\(key) must be a string"))
                return nil
            }
        }
        let bodyReport = text("report_id", max: 64)
        if let bodyReport, UUID(uuidString: bodyReport) != reportID {
            problems.append(FieldProblem(field: "report_id", code: "invalid-value", message: "differs from the report id in the path"))
        }
        let unit = text("unit", max: 64) ?? keyUnit
        let status = text("status", max: 32)
        let note = text("note", max: 2_000)
        let reason = text("reason", max: 2_000)
        let referredTo = text("referred_to", max: 64)
        if unit == nil { problems.append(FieldProblem(field: "unit", code: "required", message: "which unit sends the update")) }
        if let unit, unit != "council", !Open137Topology.unitCodes.contains(unit) {
            problems.append(FieldProblem(field: "unit", code: "invalid-value", message: "no such unit"))
        }
        if let status {
            // The statuses a unit may post (`reopened` only the council): ``ReportStatus/unitReported``.
            let requested = ReportStatus(rawValue: status).flatMap { ReportStatus.unitReported.contains($0) ? $0 : nil }
            if requested == nil {
                let allowed = ReportStatus.unitReported.map(\.rawValue).sorted()
                problems.append(FieldProblem(field: "status", code: "invalid-value", message: "one of \(allowed.joined(separator: ", "))"))
            }
            if requested == .rejected, reason == nil {
                problems.append(FieldProblem(field: "reason", code: "required", message: "a rejection needs its reason"))
            }
            if requested == .referred {
                if let referredTo {
                    if !Open137Topology.unitCodes.contains(referredTo) || referredTo == unit {
                        problems.append(FieldProblem(field: "referred_to", code: "invalid-value", message: "another unit's code"))
                    }
                } else {
                    problems.append(FieldProblem(field: "referred_to", code: "required", message: "a referral names the unit"))
                }
            }
        } else {
            problems.append(FieldProblem(field: "status", code: "required", message: "status is required"))
        }
        guard problems.isEmpty, let unit, let status else {
            throw APIError(.badRequest, code: "invalid-request", message: "the update has invalid fields", fields: problems)
        }
        if let keyUnit, keyUnit != unit {
            throw APIError(.forbidden, code: "unit-not-allowed", message: "this key speaks for \(keyUnit) only")
        }
        if status == ReportStatus.reopened.rawValue, unit != "council" {
            throw APIError(.forbidden, code: "reopen-not-allowed", message: "only the council reopens a report")
        }
        return UnitStatusUpdateData(
            reportID: reportID.uuidString.lowercased(), unit: unit, status: status, note: note, reason: reason, referredTo: referredTo
        )
    }
}
