import Hummingbird
import Logging

/// Turns every error a handler throws into a clear answer, the same way in every Open137 HTTP API:
/// ``APIError`` as it says; the API's own errors as its `translate` says (a store that is down → 503, a
/// bad filter → 400, …); Hummingbird's own errors (unknown route, wrong method, body too large) with their
/// status; anything else as a 500 that says nothing of the cause to the client. Every 5xx is logged (the
/// error's type and the path only).
/// `render` writes the answer (JSON by default; intake's Open311 paths answer in the spec's format).
public struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    private let translate: @Sendable (any Error) -> APIError?
    private let render: @Sendable (APIError, Request) -> Response

    /// A middleware mapping the API's own errors with `translate` (nil: not one of them) and answering
    /// with `render`.
    public init(
        translate: @escaping @Sendable (any Error) -> APIError? = { _ in nil },
        render: @escaping @Sendable (APIError, Request) -> Response = { error, _ in error.response() }
    ) {
        self.translate = translate
        self.render = render
    }

    /// Runs the rest of the chain and answers whatever it throws.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let answer = apiError(for: error)
            if answer.status.code >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: type(of: error)))", "path": "\(request.uri.path)"])
            }
            return render(answer, request)
        }
    }

    /// The client-facing error for anything a handler threw.
    public func apiError(for error: any Error) -> APIError {
        switch error {
        case let error as APIError: error
        case let error as HTTPError: APIError(error)
        default: translate(error) ?? .internalError
        }
    }
}
