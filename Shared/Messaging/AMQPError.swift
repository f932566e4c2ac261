/// The one error type of the messaging layer: every rabbitmq-c status code, server exception and
/// publish outcome that is not "confirmed" becomes one of these, at the connection's thread boundary.
public struct AMQPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, in a form callers can switch on.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case connectionFailed, connectionClosed, socketError, timeout, serverException, protocolError
            case unroutable, nacked, blocked, publishTimedOut, invalidURL, notConnected, shutdown
            case staleDelivery, consumerCancelled, declareFailed
        }
        fileprivate let base: Base
        /// The TCP connection or login could not be established.
        public static let connectionFailed = Code(base: .connectionFailed)
        /// The broker or the socket closed the connection.
        public static let connectionClosed = Code(base: .connectionClosed)
        /// A rabbitmq-c library status code other than OK.
        public static let socketError = Code(base: .socketError)
        /// A wait ran past its deadline.
        public static let timeout = Code(base: .timeout)
        /// The broker closed the channel or connection with an AMQP reply code.
        public static let serverException = Code(base: .serverException)
        /// A frame arrived that the protocol did not allow at that point.
        public static let protocolError = Code(base: .protocolError)
        /// A `mandatory` publish reached no queue (`basic.return`).
        public static let unroutable = Code(base: .unroutable)
        /// The broker refused responsibility for a message (`basic.nack`).
        public static let nacked = Code(base: .nacked)
        /// The broker blocked publishing (`connection.blocked`) for longer than the publish deadline.
        public static let blocked = Code(base: .blocked)
        /// No confirm arrived before the publish deadline.
        public static let publishTimedOut = Code(base: .publishTimedOut)
        /// The AMQP URL could not be parsed.
        public static let invalidURL = Code(base: .invalidURL)
        /// No connection to the broker exists right now.
        public static let notConnected = Code(base: .notConnected)
        /// The connection was shut down by its owner.
        public static let shutdown = Code(base: .shutdown)
        /// An ack or nack named a delivery from a connection that has since been replaced.
        public static let staleDelivery = Code(base: .staleDelivery)
        /// The broker cancelled the consumer (queue deleted or failed over).
        public static let consumerCancelled = Code(base: .consumerCancelled)
        /// Declaring an exchange, queue or binding failed.
        public static let declareFailed = Code(base: .declareFailed)
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// Human-readable detail: never contains message bodies or credentials.
    public var message: String
    /// The AMQP reply code (e.g. 404, 406, 403, 312) when the broker sent one.
    public var replyCode: UInt16?

    /// Creates an error.
    public init(_ code: Code, _ message: String, replyCode: UInt16? = nil) {
        self.code = code
        self.message = message
        self.replyCode = replyCode
    }

    public var description: String {
        if let replyCode { return "AMQPError(\(code), \(replyCode)): \(message)" }
        return "AMQPError(\(code)): \(message)"
    }
}
