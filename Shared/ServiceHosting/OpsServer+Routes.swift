import Hummingbird
import NIOCore

extension OpsServer {
    /// The paths the ops server answers.
    static let knownPaths: Set<String> = ["/health", "/ready", "/metrics"]

    /// The routes: `GET` on each known path, behind ``OpsResponseMiddleware`` (404/405 bodies, headers).
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: OpsResponseMiddleware(knownPaths: Self.knownPaths))
        router.get("/health") { _, _ in
            Self.json(.ok, #"{"status":"ok"}"#)
        }
        router.get("/ready") { _, _ in
            let report = await self.readiness()
            if !report.isReady {
                self.logger.debug("not ready", metadata: ["ops.failing": "\(report.failingChecks.joined(separator: ","))"])
            }
            return Self.json(report.isReady ? .ok : .serviceUnavailable, report.json)
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: Self.metricsContentType],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: self.registry.emitToBuffer()))
            )
        }
        return router
    }

    /// A JSON response; Hummingbird adds `Content-Length`.
    static func json(_ status: HTTPResponse.Status, _ json: String, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: json)))
    }
}
