import NIOCore
import NIOHTTP1

/// A complete ops response: status, content type and body.
struct OpsResponse: Sendable {
    /// The HTTP status.
    var status: HTTPResponseStatus
    /// The `Content-Type` header.
    var contentType: String
    /// The body.
    var body: ByteBuffer
    /// Headers beyond content type, length and connection (e.g. `Allow`).
    var extraHeaders: [(String, String)] = []

    /// A JSON response.
    static func json(_ status: HTTPResponseStatus, _ json: String) -> OpsResponse {
        OpsResponse(status: status, contentType: "application/json; charset=utf-8", body: ByteBuffer(string: json))
    }
}

extension OpsServer {
    /// The paths the ops server answers.
    static let knownPaths: Set<String> = ["/health", "/ready", "/metrics"]

    /// Serves one connection: reads one request, answers it, closes. A connection still idle when
    /// graceful shutdown begins is closed by `tracker` and ends here without an answer.
    func serve(_ connection: OpsConnection, tracker: OpsConnectionTracker) async {
        defer { tracker.remove(connection) }
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                for try await part in inbound {
                    switch part {
                    case .head(let requestHead):
                        guard tracker.beginRequest(on: connection) else { return }
                        head = requestHead
                    case .body:
                        continue
                    case .end:
                        guard let request = head else { return }
                        let response = await self.response(to: request)
                        try await Self.write(response, version: request.version, to: outbound)
                        return
                    }
                }
            }
        } catch {
            logger.debug("ops connection ended with an error", metadata: ["error": "\(error)"])
        }
    }

    /// Routes a request to its response.
    func response(to request: HTTPRequestHead) async -> OpsResponse {
        let path = request.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard Self.knownPaths.contains(path) else {
            return .json(.notFound, #"{"error":"not found"}"#)
        }
        guard request.method == .GET else {
            var response = OpsResponse.json(.methodNotAllowed, #"{"error":"method not allowed"}"#)
            response.extraHeaders.append(("allow", "GET"))
            return response
        }
        switch path {
        case "/health":
            return .json(.ok, #"{"status":"ok"}"#)
        case "/ready":
            let report = await readiness()
            if !report.isReady {
                logger.debug("not ready", metadata: ["ops.failing": "\(report.failingChecks.joined(separator: ","))"])
            }
            return .json(report.isReady ? .ok : .serviceUnavailable, report.json)
        default:
            return OpsResponse(status: .ok, contentType: Self.metricsContentType, body: ByteBuffer(bytes: registry.emitToBuffer()))
        }
    }

    /// Writes a response with `Content-Length` and `Connection: close`.
    static func write(
        _ response: OpsResponse,
        version: HTTPVersion,
        to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: response.contentType)
        headers.add(name: "content-length", value: "\(response.body.readableBytes)")
        headers.add(name: "connection", value: "close")
        headers.add(name: "cache-control", value: "no-store")
        for (name, value) in response.extraHeaders { headers.add(name: name, value: value) }
        let head = HTTPResponseHead(version: version, status: response.status, headers: headers)
        try await outbound.write(contentsOf: [.head(head), .body(.byteBuffer(response.body)), .end(nil)])
    }
}
