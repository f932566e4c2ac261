import Foundation
import Hummingbird

/// An error answered to a client of any Open137 HTTP API: a status and a machine-readable body naming
/// what is wrong, `{"error": {"code", "message", "fields"?, "parameter"?}}`. Never a stack trace, never
/// personal data. Thrown from a handler, Hummingbird answers it as it says (`HTTPResponseError`);
/// ``APIErrorMiddleware`` turns every other error into one.
public struct APIError: HTTPResponseError, Sendable, Hashable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// Machine-readable code (`invalid-request`, `unauthorized`, `rate-limited`, …).
    public var code: String
    /// What is wrong, in English.
    public var message: String
    /// The fields at fault, for a body that failed validation.
    public var fields: [FieldProblem]
    /// The query parameter at fault, for a bad filter.
    public var parameter: String?
    /// Seconds to wait before retrying (429, 503), sent as `Retry-After`.
    public var retryAfter: Int?

    /// Creates an error.
    public init(
        _ status: HTTPResponse.Status, code: String, message: String, fields: [FieldProblem] = [], parameter: String? = nil,
        retryAfter: Int? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.parameter = parameter
        self.retryAfter = retryAfter
    }

    /// The headers every answer of this error carries: `Retry-After`, and `WWW-Authenticate` on a 401.
    public var headers: HTTPFields {
        var headers: HTTPFields = [:]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return headers
    }

    /// The JSON answer.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    /// The JSON answer, outside a request (middlewares that render errors themselves).
    public func response() -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        let body = Body(error: .init(code: code, message: message, fields: fields.isEmpty ? nil : fields, parameter: parameter))
        let data = (try? JSONEncoder().encode(body)) ?? Data(#"{"error":{"code":"internal","message":"internal error"}}"#.utf8)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    private struct Body: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
            var fields: [FieldProblem]?
            var parameter: String?
        }
        var error: Detail
    }
}

extension APIError {
    /// The answer for one of Hummingbird's own errors (unknown route, wrong method, body too large).
    public init(_ error: HTTPError) {
        switch error.status {
        case .contentTooLarge:
            self = .bodyTooLarge
        case .notFound:
            self.init(.notFound, code: "not-found", message: "no such resource")
        case .methodNotAllowed:
            self.init(.methodNotAllowed, code: "method-not-allowed", message: "this method is not allowed here")
        default:
            self.init(error.status, code: error.status.code < 500 ? "bad-request" : "internal", message: error.status.reasonPhrase)
        }
    }

    /// The body is larger than the API accepts (Hummingbird's own limit, or an API's).
    public static let bodyTooLarge = APIError(.contentTooLarge, code: "body-too-large", message: "the request body is too large")

    /// An error a handler did not expect: a 500 that says nothing of the cause.
    public static let internalError = APIError(.internalServerError, code: "internal", message: "internal error")
}
