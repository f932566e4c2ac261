import WebAPI
import Foundation
import Hummingbird
import JSON

extension IntakeAPI {
    /// `POST /open311/v2/requests.{format}`: a form-encoded report, checked by the same validator as the
    /// native API and stored the same way (channel `open311`); answers the tracking code at once.
    func open311Submit(_ request: Request, context: IntakeRequestContext, encoding: Open311Encoding) async throws -> Response {
        try limitAddress(context)
        let body = try await collectBody(request)
        let form = try open311PostForm(request, body: body)
        let identity = try await open311Identity(form)
        try checkJurisdiction(form)
        let native: JSONValue
        do {
            guard let code = try form.value("service_code") else {
                throw APIError(.badRequest, code: "missing-service-code", message: "service_code was not provided; see services.json")
            }
            guard taxonomy.service(code) != nil else {
                throw APIError(.notFound, code: "unknown-service-code", message: "service_code \(code.prefix(64)) was not found; see services.json")
            }
            native = try Open311Submission.nativeBody(from: form, taxonomy: taxonomy)
        } catch let error as Open311FormError {
            throw error.apiError
        }
        let draft: ReportDraft
        do throws(SubmissionRejected) {
            draft = try validator.validate(native)
        } catch {
            throw APIError.invalid(SubmissionRejected(problems: Open311Submission.open311Problems(error)))
        }
        let accepted = try await store(draft, for: identity, idempotencyKey: request.headers[.idempotencyKey], body: body)
        context.logger.info("report accepted", metadata: [
            "report_id": "\(accepted.reportID.uuidString.lowercased())", "channel": "\(draft.channel)",
            "api_key": "\(identity.keyID)", "replayed": "\(accepted.replayed)",
        ])
        let language = open311Language(request, form)
        // 200, as the spec's and the swagger's POST answer (not the native API's 201).
        return Open311Document(root: "service_requests", body: .created(
            trackingCode: accepted.trackingCode.digits, reopenSecret: reopenSecret.secret(forReport: accepted.reportID.uuidString),
            language: language
        ))
            .response(encoding)
    }

    /// `GET /open311/v2/requests.{format}`: the requests matching the query, newest first, one page.
    func open311Requests(_ request: Request, context: IntakeRequestContext, encoding: Open311Encoding) async throws -> Response {
        try limitAddress(context)
        let query = try open311Query(request)
        let filter = try Open311RequestFilter(query, taxonomy: taxonomy, now: Date())
        let reports = try await store.reports(matching: filter.query)
        let language = open311Language(request, query)
        let items = reports.map { Open311Node.request($0, taxonomy: taxonomy, language: language, extensions: filter.extensions) }
        return Open311Document(root: "service_requests", body: .list(item: "request", items)).response(encoding)
    }

    /// `GET /open311/v2/requests/{id}.{format}`: one request (id = tracking code) as a one-element list, 404 when unknown.
    func open311Request(_ request: Request, context: IntakeRequestContext, encoding: Open311Encoding) async throws -> Response {
        try limitAddress(context)
        let query = try open311Query(request)
        var extensionsOnly = Open311Form()
        extensionsOnly.pairs = query.pairs.filter { $0.name == "extensions" }
        let filter = try Open311RequestFilter(extensionsOnly, taxonomy: taxonomy, now: Date())
        guard let code = TrackingCode(parsing: Self.pathParameter("service_request_id", context)),
              let report = try await store.report(trackingCode: code)
        else {
            throw APIError(.notFound, code: "not-found", message: "no service request has this service_request_id")
        }
        let language = open311Language(request, query)
        let item = Open311Node.request(report, taxonomy: taxonomy, language: language, extensions: filter.extensions)
        return Open311Document(root: "service_requests", body: .list(item: "request", [item])).response(encoding)
    }

    /// `GET /open311/v2/tokens/{token}.{format}`: the service_request_id of a token — the report id the
    /// native API answers — so a client holding either id can follow the report here.
    func open311Token(_ request: Request, context: IntakeRequestContext, encoding: Open311Encoding) async throws -> Response {
        try limitAddress(context)
        _ = try open311Query(request)
        let token = Self.pathParameter("token", context)
        guard let id = UUID(uuidString: token), let report = try await store.report(id: id) else {
            throw APIError(.notFound, code: "not-found", message: "no service request has this token")
        }
        return Open311Document(root: "service_requests", body: .token(id.uuidString.lowercased(), trackingCode: report.trackingCode))
            .response(encoding)
    }
}
