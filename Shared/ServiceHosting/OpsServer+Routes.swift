import Hummingbird
import NIOCore

extension OpsServer {
    /// The routes: `GET` on each path of ``routes``, behind ``OpsResponseMiddleware`` (404/405 bodies,
    /// headers), which learns the paths from the same list.
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let routes = self.routes
        router.add(middleware: OpsResponseMiddleware(knownPaths: Set(routes.map(\.path))))
        for route in routes {
            router.get(RouterPath(route.path)) { _, _ in await route.answer() }
        }
        return router
    }

    /// Every path the ops server answers, with its answer: the one list of them.
    private var routes: [(path: String, answer: @Sendable () async -> Response)] {
        [
            ("/health", { Self.json(.ok, #"{"status":"ok"}"#) }),
            ("/ready", {
                let report = await self.readiness()
                if !report.isReady {
                    self.logger.debug("not ready", metadata: ["ops.failing": "\(report.failingChecks.joined(separator: ","))"])
                }
                return Self.json(report.isReady ? .ok : .serviceUnavailable, report.json)
            }),
            ("/metrics", {
                Response(
                    status: .ok,
                    headers: [.contentType: Self.metricsContentType],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: self.registry.emitToBuffer()))
                )
            }),
        ]
    }

    /// A JSON response; Hummingbird adds `Content-Length`.
    static func json(_ status: HTTPResponse.Status, _ json: String, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: json)))
    }
}
