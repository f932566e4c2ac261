/// The ops HTTP server could not start or run.
public struct OpsServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, in a form callers can switch on.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case bindFailed, alreadyRunning
        }
        fileprivate let base: Base
        /// The listening socket could not be opened (port in use, host not resolvable, no permission).
        public static let bindFailed = Code(base: .bindFailed)
        /// `run()` was called on a server that is running or has run.
        public static let alreadyRunning = Code(base: .alreadyRunning)
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// Human-readable detail, naming the host and port.
    public var message: String
    /// The host the server tried to listen on.
    public var host: String
    /// The port the server tried to listen on.
    public var port: Int

    /// Creates an error.
    public init(_ code: Code, _ message: String, host: String, port: Int) {
        self.code = code
        self.message = message
        self.host = host
        self.port = port
    }

    public var description: String { "OpsServerError(\(code)): \(message)" }
}
