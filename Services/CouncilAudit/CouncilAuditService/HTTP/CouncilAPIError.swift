import Hummingbird

/// An error answered by the committee's API: `{"error": {"code", "message"}}` (and `"parameter"` for a bad
/// filter) with its status.
public struct CouncilAPIError: Error, Sendable, Hashable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// Machine-readable code.
    public var code: String
    /// What is wrong, in English.
    public var message: String
    /// The query parameter at fault, for a bad filter (answered as `error.parameter`).
    public var parameter: String?

    /// Creates an error.
    public init(_ status: HTTPResponse.Status, code: String, message: String, parameter: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.parameter = parameter
    }

    /// No `Authorization: Bearer KEY`.
    public static let unauthorized = CouncilAPIError(.unauthorized, code: "unauthorized", message: "the committee's key is required (Authorization: Bearer KEY)")
    /// A key that is not the committee's.
    public static let forbidden = CouncilAPIError(.forbidden, code: "forbidden", message: "this key may not read the council audit")
    /// The store could not be read.
    public static let unavailable = CouncilAPIError(.serviceUnavailable, code: "unavailable", message: "the audit store is unavailable; try again")
}
