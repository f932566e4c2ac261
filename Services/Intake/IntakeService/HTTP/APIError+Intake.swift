import Hummingbird
import WebAPI

extension APIError {
    /// A submission's field problems as a 400.
    public static func invalid(_ rejection: SubmissionRejected) -> APIError {
        APIError(.badRequest, code: "invalid-request", message: "the report has invalid fields: \(rejection.summary)", fields: rejection.problems)
    }

    /// No key, or a key that is unknown or revoked.
    public static let forbidden = APIError(.forbidden, code: "forbidden", message: "a valid API key is required (Authorization: Bearer KEY)")

    /// The store could not be reached: nothing was stored; try again.
    public static let unavailable = APIError(.serviceUnavailable, code: "unavailable", message: "the report store is unavailable; nothing was stored, try again", retryAfter: 2)

    /// Too many requests.
    public static func rateLimited(retryAfter: Int) -> APIError {
        APIError(.tooManyRequests, code: "rate-limited", message: "too many requests; retry after \(retryAfter) s", retryAfter: retryAfter)
    }

    /// Intake's own errors: a reused Idempotency-Key with another body is a 409; a store that is down a 503.
    static func intake(_ error: any Error) -> APIError? {
        switch error {
        case let error as IntakeStoreError where error.code == .idempotencyConflict:
            APIError(.conflict, code: "idempotency-conflict", message: error.message)
        case is IntakeStoreError:
            .unavailable
        default:
            nil
        }
    }

    /// The answer on `path`: Open311 paths in the spec's error format (XML for `.xml`), the rest as JSON.
    static func intakeResponse(_ error: APIError, request: Request) -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/open311/") else { return error.response() }
        return Open311Format.errorResponse(error, xml: path.hasSuffix(".xml"), headers: error.headers)
    }
}
