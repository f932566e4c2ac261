import Hummingbird

/// The request context of the committee's API (Hummingbird's core context; nothing more is needed).
public struct CouncilRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage

    /// Creates the context of one request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
