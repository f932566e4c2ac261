import Foundation
import Hummingbird

/// Turns every error into a JSON answer: ``CouncilAPIError`` and ``FilterError`` as they say, Hummingbird's
/// own (unknown route, wrong method) with their status, a database failure as 503, anything else as a 500
/// that says nothing of the cause to the client and logs it.
struct CouncilErrorMiddleware: RouterMiddleware {
    typealias Context = CouncilRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError: CouncilAPIError
            switch error {
            case let error as CouncilAPIError: apiError = error
            case let error as FilterError: apiError = CouncilAPIError(.badRequest, code: "invalid-filter", message: error.message, parameter: error.parameter)
            case let error as HTTPError:
                apiError = CouncilAPIError(error.status, code: error.status == .notFound ? "not-found" : "bad-request", message: error.status.reasonPhrase)
            default:
                context.logger.error("council request failed", metadata: ["error": "\(String(reflecting: type(of: error)))", "path": "\(request.uri.path)"])
                apiError = .unavailable
            }
            var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
            if apiError.status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
            var fields = ["code": apiError.code, "message": apiError.message]
            if let parameter = apiError.parameter { fields["parameter"] = parameter }
            let body = try JSONEncoder().encode(["error": fields])
            return Response(status: apiError.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}
