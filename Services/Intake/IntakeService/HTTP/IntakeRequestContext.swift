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

    /// The client address used for rate limits: the IPv4 address, or an IPv6 address's /64 prefix — one
    /// IPv6 host is usually given a whole /64, so limiting single addresses would limit nothing.
    public var clientAddress: String {
        Self.rateLimitKey(remoteAddress)
    }

    /// The rate-limit key of a peer address (see `clientAddress`).
    static func rateLimitKey(_ address: SocketAddress?) -> String {
        guard let address else { return "unknown" }
        if case .v6(let v6) = address {
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            // An IPv4 client on a dual-stack socket (::ffff:a.b.c.d) is limited by its IPv4 address.
            let isMappedV4 = bytes.prefix(10).allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
            if !isMappedV4 {
                let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                return groups.joined(separator: ":") + "::/64"
            }
        }
        return address.ipAddress ?? "unknown"
    }
}
