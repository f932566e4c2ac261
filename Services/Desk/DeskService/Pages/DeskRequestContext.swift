import Hummingbird

/// The request context of the web desk (Hummingbird's core context; nothing more is needed).
public struct DeskRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage

    /// Creates the context of one request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
