import Foundation
import Hummingbird

/// An error answered to a client: an HTTP status and a machine-readable body naming what is wrong —
/// natively `{"error": {"code", "message", "fields": [{"field", "code", "message"}]}}`; on Open311 paths
/// the spec's `[{"code", "description"}]` (JSON or XML). Never a stack trace, never personal data.
public struct APIError: Error, Sendable, Hashable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// Machine-readable code (`invalid-request`, `unauthorized`, `rate-limited`, …).
    public var code: String
    /// What is wrong, in English.
    public var message: String
    /// The fields at fault, for validation errors.
    public var fields: [FieldProblem]
    /// Seconds to wait before retrying (429, 503).
    public var retryAfter: Int?

    /// Creates an error.
    public init(_ status: HTTPResponse.Status, code: String, message: String, fields: [FieldProblem] = [], retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.retryAfter = retryAfter
    }

    /// A submission's field problems as a 400.
    public static func invalid(_ rejection: SubmissionRejected) -> APIError {
        APIError(.badRequest, code: "invalid-request", message: "the report has invalid fields: \(rejection.summary)", fields: rejection.problems)
    }

    /// No key, or a key that is unknown or revoked.
    public static let forbidden = APIError(.forbidden, code: "forbidden", message: "a valid API key is required (Authorization: Bearer KEY)")

    /// The body is larger than the API accepts.
    public static let bodyTooLarge = APIError(.contentTooLarge, code: "body-too-large", message: "the request body is too large")

    /// The store could not be reached: nothing was stored; try again.
    public static let unavailable = APIError(.serviceUnavailable, code: "unavailable", message: "the report store is unavailable; nothing was stored, try again", retryAfter: 2)

    /// Too many requests.
    public static func rateLimited(retryAfter: Int) -> APIError {
        APIError(.tooManyRequests, code: "rate-limited", message: "too many requests; retry after \(retryAfter) s", retryAfter: retryAfter)
    }
}
