import Foundation
import Hummingbird
import Logging

/// Turns every error into a clear answer: ``APIError`` as it says, Hummingbird's own errors (unknown
/// route, wrong method, body too large) with their status, anything else as a 500 that says nothing of
/// the cause to the client and logs it. Open311 paths answer in the spec's error format, XML for `.xml`.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = IntakeRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = Self.apiError(for: error)
            if apiError.status == .internalServerError {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: type(of: error)))", "path": "\(request.uri.path)"])
            }
            return Self.response(for: apiError, path: request.uri.path)
        }
    }

    /// The client-facing error for anything a handler threw.
    static func apiError(for error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as IntakeStoreError where error.code == .idempotencyConflict:
            return APIError(.conflict, code: "idempotency-conflict", message: error.message)
        case is IntakeStoreError:
            return .unavailable
        case let error as HTTPError:
            switch error.status {
            case .contentTooLarge:
                return .bodyTooLarge
            case .notFound:
                return APIError(.notFound, code: "not-found", message: "no such resource")
            case .methodNotAllowed:
                return APIError(.methodNotAllowed, code: "method-not-allowed", message: "this method is not allowed here")
            default:
                let status = error.status
                return APIError(status, code: status.code < 500 ? "bad-request" : "internal", message: status.reasonPhrase)
            }
        default:
            return APIError(.internalServerError, code: "internal", message: "internal error")
        }
    }

    /// The response for an error on `path`, in the native or the Open311 format.
    static func response(for error: APIError, path: String) -> Response {
        var headers: HTTPFields = [:]
        if let retryAfter = error.retryAfter { headers[.retryAfter] = String(retryAfter) }
        if path.hasPrefix("/open311/") {
            return Open311Format.errorResponse(error, xml: path.hasSuffix(".xml"), headers: headers)
        }
        headers[.contentType] = "application/json; charset=utf-8"
        let body = NativeErrorBody(error: .init(code: error.code, message: error.message, fields: error.fields.isEmpty ? nil : error.fields))
        let data = (try? JSONEncoder().encode(body)) ?? Data(#"{"error":{"code":"internal","message":"internal error"}}"#.utf8)
        return Response(status: error.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    private struct NativeErrorBody: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
            var fields: [FieldProblem]?
        }
        var error: Detail
    }
}
