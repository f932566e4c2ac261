import Hummingbird
import NIOCore

/// The request context of intake's HTTP API: Hummingbird's core context plus the client's address
/// (rate limits per address).
public struct IntakeRequestContext: RequestContext, RemoteAddressRequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The peer's address.
    public let remoteAddress: SocketAddress?

    /// Creates the context of one request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client address used for rate limits (the IP without the port).
    public var clientAddress: String {
        remoteAddress?.ipAddress ?? "unknown"
    }
}
