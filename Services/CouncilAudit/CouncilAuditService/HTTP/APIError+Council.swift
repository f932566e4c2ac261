import Hummingbird
import WebAPI

extension APIError {
    /// No `Authorization: Bearer KEY` (answered with `WWW-Authenticate: Bearer`).
    public static let unauthorized = APIError(.unauthorized, code: "unauthorized", message: "the committee's key is required (Authorization: Bearer KEY)")
    /// A key that is not the committee's.
    public static let notTheCommittee = APIError(.forbidden, code: "forbidden", message: "this key may not read the council audit")
    /// The store could not be read.
    public static let auditUnavailable = APIError(.serviceUnavailable, code: "unavailable", message: "the audit store is unavailable; try again")

    /// The committee API's own errors: a bad filter is a 400 naming its parameter; any other failure is
    /// the store's (the API only reads it), a 503.
    static func council(_ error: any Error) -> APIError? {
        if let error = error as? FilterError {
            return APIError(.badRequest, code: "invalid-filter", message: error.message, parameter: error.parameter)
        }
        return .auditUnavailable
    }
}
