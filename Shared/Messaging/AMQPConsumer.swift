import Logging
import ServiceLifecycle

/// Consumes one queue on its own connection with manual acks and a prefetch window, as an async sequence
/// of deliveries. It reconnects and consumes again after a broker restart, a dropped socket or a consumer
/// cancel; deliveries of the lost connection can no longer be settled (the broker redelivers them).
public final class AMQPConsumer: Service {
    /// The deliveries, in broker order; the sequence ends after `stop()` once the broker confirmed the cancel.
    /// Asking for it starts the connection.
    public var deliveries: AsyncStream<AMQPDelivery> {
        start()
        return stream
    }
    private let stream: AsyncStream<AMQPDelivery>
    /// The queue consumed.
    public let queue: String
    private let connection: AMQPConnection

    /// Creates a consumer of `queue`; it declares `topology` on every connect before consuming.
    public init(
        configuration: AMQPConfiguration,
        queue: String,
        prefetch: UInt16 = 100,
        topology: Topology = Topology(),
        logger: Logger
    ) {
        let (stream, continuation) = AsyncStream.makeStream(of: AMQPDelivery.self)
        self.stream = stream
        self.queue = queue
        var logger = logger
        logger[metadataKey: "amqp.queue"] = "\(queue)"
        self.connection = AMQPConnection(
            configuration: configuration,
            topology: topology,
            role: .consumer(queue: queue, prefetch: prefetch),
            deliveries: continuation,
            logger: logger
        )
    }

    /// Starts the connection thread (idempotent).
    public func start() {
        connection.start()
    }

    /// Waits until connected and consuming; throws the connect error after `timeout`.
    public func waitUntilConnected(timeout: Duration = .seconds(10)) async throws(AMQPError) {
        start()
        try await connection.waitUntilConnected(timeout: timeout)
    }

    /// How many connections were opened so far: 1, plus one per reconnect.
    public var connections: Int { connection.connectCount.withLock { $0 } }

    /// Whether the connection is open and its topology declared right now (for `/ready`).
    public var isConnected: Bool { connection.isConnected.withLock { $0 } }

    /// Graceful stop: cancels the subscription, lets the deliveries already received be settled
    /// (bounded by ten seconds), then closes.
    public func stop() async {
        await connection.close(graceful: true)
    }

    /// Drops the connection at once without settling anything: the broker requeues every unacked delivery
    /// for other consumers. What a crashed worker looks like to the broker.
    public func abort() async {
        await connection.close(graceful: false)
    }

    /// Runs until graceful shutdown, then stops gracefully.
    public func run() async throws {
        start()
        try? await gracefulShutdown()
        await stop()
    }
}
