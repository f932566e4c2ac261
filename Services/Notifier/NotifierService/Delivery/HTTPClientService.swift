import AsyncHTTPClient
import ServiceLifecycle

/// Owns the notifier's HTTP client for the life of the group: shuts it down on graceful shutdown, after
/// the senders that use it stopped (it comes before them in the group, so it stops after them).
public struct HTTPClientService: Service {
    /// The client.
    public let client: HTTPClient

    /// Wraps `client`.
    public init(client: HTTPClient) {
        self.client = client
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
