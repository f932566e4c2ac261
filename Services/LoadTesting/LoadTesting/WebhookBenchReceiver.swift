import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NotifierService

/// The benchmark's webhook receiver: a plain swift-nio HTTP/1.1 server on loopback answering every POST
/// with 204 (keep-alive), counting events by `Open137-Event-Id` and verifying a sample of signatures.
struct WebhookBenchReceiver {
    /// Where it counts.
    let tally: WebhookBenchTally
    /// The subscription's secret.
    let secret: String

    /// Binds `127.0.0.1:port`; the channel closes when the caller closes it.
    func start(port: Int) async throws -> any Channel {
        let tally = tally
        let secret = secret
        return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(Handler(tally: tally, secret: secret))
                }
            }
            .bind(host: "127.0.0.1", port: port)
            .get()
    }

    /// One connection: collects each request's head and body, counts it and answers 204.
    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let tally: WebhookBenchTally
        private let secret: String
        private var head: HTTPRequestHead?
        private var body: ByteBuffer?

        init(tally: WebhookBenchTally, secret: String) {
            self.tally = tally
            self.secret = secret
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = nil
            case .body(var chunk):
                if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
            case .end:
                guard let head else { return }
                var status = HTTPResponseStatus.noContent
                if let eventID = head.headers.first(name: WebhookSignature.eventIDHeader) {
                    if tally.record(eventID: eventID) {
                        let bytes = body.map { Array($0.readableBytesView) } ?? []
                        let valid = WebhookSignature.verify(
                            header: head.headers.first(name: WebhookSignature.header) ?? "", secret: secret, body: bytes,
                            now: Int(Date().timeIntervalSince1970))
                        tally.checked(valid: valid)
                        if !valid { status = .unauthorized }
                    }
                } else {
                    status = .badRequest
                }
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: "0")
                let response = HTTPResponseHead(version: head.version, status: status, headers: headers)
                context.write(wrapOutboundOut(.head(response)), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                self.head = nil
                body = nil
            }
        }
    }
}
