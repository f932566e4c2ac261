import Hummingbird

/// What every ops response shares beyond its route: JSON bodies for unknown paths (404) and other
/// methods on known ones (405 with `Allow: GET`), `Cache-Control: no-store` (health and metrics are
/// only true at the moment they are asked), and `Connection: close` when the client asked for it.
struct OpsResponseMiddleware: RouterMiddleware {
    /// The ops server's plain request context.
    typealias Context = BasicRequestContext

    /// The paths that have routes: asked with another method, they answer 405 rather than 404.
    let knownPaths: Set<String>

    /// Answers the request with `next`, turning the router's not-found into the ops server's 404 or 405.
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // Hummingbird's router answers a known path asked with an unrouted method as not found too.
            response = knownPaths.contains(request.uri.path)
                ? OpsServer.json(.methodNotAllowed, #"{"error":"method not allowed"}"#, headers: [.allow: "GET"])
                : OpsServer.json(.notFound, #"{"error":"not found"}"#)
        }
        response.headers[.cacheControl] = "no-store"
        // Hummingbird closes the connection after this response exactly when the request said so (the
        // same comparison); saying it in the response tells the client too, as HTTP/1.1 asks.
        if request.headers[.connection] == "close" {
            response.headers[.connection] = "close"
        }
        return response
    }
}
