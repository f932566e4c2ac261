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

extension Open311FormError {
    /// Runs `read` — code reading a request's parameters — answering what it throws as the API would: a
    /// form error as its 400, an `APIError` as it is, anything else as a 400 saying the parameters cannot be read.
    static func reading<T>(_ read: () throws -> T) throws(APIError) -> T {
        do {
            return try read()
        } catch let error as Open311FormError {
            throw error.apiError
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.badRequest, code: "malformed-parameters", message: "the parameters cannot be read")
        }
    }
}
