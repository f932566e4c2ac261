import WebAPI

/// Request parameters that cannot be read: malformed encoding, a parameter given twice, a value of the
/// wrong shape. Answered as a 400 in the spec's error format.
struct Open311FormError: Error, Sendable, Hashable {
    /// Machine-readable kind (always `malformed-parameters`; the description says what).
    var code: String
    /// What is wrong, naming the parameter, never echoing its value (it may be personal data).
    var message: String

    /// Creates an error.
    init(_ message: String, code: String = "malformed-parameters") {
        self.code = code
        self.message = message
    }

    /// As the API's 400.
    var apiError: APIError {
        APIError(.badRequest, code: code, message: message)
    }
}
