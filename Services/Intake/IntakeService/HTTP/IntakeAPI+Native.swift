import WebAPI
import Foundation
import HTTPTypes
import Hummingbird
import JSON

extension IntakeAPI {
    /// `POST /api/v1/reports`, `GET /api/v1/track/{tracking_code}`, `GET /openapi.yaml`.
    func addNativeRoutes(to router: Router<IntakeRequestContext>) {
        router.post("/api/v1/reports") { request, context in
            try await submit(request, context: context)
        }
        router.get("/api/v1/track/{tracking_code}") { request, context in
            try await track(request, context: context)
        }
        router.get("/openapi.yaml") { _, _ in
            guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml", subdirectory: "OpenAPI"),
                  let data = try? Data(contentsOf: url)
            else { throw APIError(.notFound, code: "not-found", message: "no OpenAPI document") }
            return Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
            )
        }
    }

    private func submit(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        try limitAddress(context)
        let identity = try await authenticate(key: Self.bearerKey(request))
        if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw APIError(.unsupportedMediaType, code: "unsupported-media-type", message: "send the report as application/json")
        }
        let body = try await collectBody(request)
        let json: JSONValue
        do {
            json = try JSONValue.parse(Array(buffer: body))
        } catch {
            throw APIError(.badRequest, code: "malformed-json", message: "the body is not valid JSON")
        }
        let draft: ReportDraft
        do {
            draft = try validator.validate(json)
        } catch {
            throw APIError.invalid(error)
        }
        let accepted = try await store(draft, for: identity, idempotencyKey: request.headers[.idempotencyKey], body: body)
        context.logger.info("report accepted", metadata: [
            "report_id": "\(accepted.reportID.uuidString.lowercased())", "channel": "\(draft.channel)",
            "api_key": "\(identity.keyID)", "replayed": "\(accepted.replayed)",
        ])
        var headers: HTTPFields = [.location: "/api/v1/track/\(accepted.trackingCode.digits)"]
        if accepted.replayed { headers[.idempotentReplayed] = "true" }
        return try Self.json(NativeReceipt(accepted, reopenSecret: reopenSecret.secret(forReport: accepted.reportID.uuidString)), status: .created, headers: headers)
    }

    private func track(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        try limitAddress(context)
        let text = context.parameters.get("tracking_code") ?? ""
        guard let code = TrackingCode(parsing: text.removingPercentEncoding ?? text) else {
            throw APIError(.badRequest, code: "invalid-tracking-code", message: "a tracking code has 10 digits; check it and try again")
        }
        guard let report = try await store.report(trackingCode: code) else {
            throw APIError(.notFound, code: "not-found", message: "no report has this tracking code")
        }
        return try Self.json(NativeTracking(report, taxonomy: taxonomy, language: request.headers[.acceptLanguage]), status: .ok)
    }

    /// A JSON response of an encodable body.
    static func json(_ body: some Encodable, status: HTTPResponse.Status, headers: HTTPFields = [:]) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(body))))
    }
}

extension HTTPField.Name {
    /// `Idempotency-Key` (IETF draft): the client's key for safely repeating a POST.
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    /// Set on a response repeated for the same Idempotency-Key.
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}
