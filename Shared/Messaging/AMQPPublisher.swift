import Logging
import ServiceLifecycle
import Synchronization

/// Publishes persistent messages with pipelined publisher confirms on its own connection: up to
/// `confirmWindow` messages are in flight at once, `multiple` acks settle many at a time, a `mandatory`
/// message that reaches no queue fails with `.unroutable`, and while the broker blocks the connection
/// publishes wait until their deadline. After a reconnect, unconfirmed messages are published again.
public final class AMQPPublisher: MessagePublishing, Service {
    /// The connection, also lent to `basic.get` and queue inspection (`AMQPPublisher+Queues`).
    let connection: AMQPConnection
    private let publishTimeout: Duration

    /// Creates a publisher; it connects on first use (or `start()`), declaring `topology` on every connect.
    public init(
        configuration: AMQPConfiguration,
        topology: Topology = Topology(),
        confirmWindow: Int = 1024,
        publishTimeout: Duration = .seconds(30),
        logger: Logger
    ) {
        self.publishTimeout = publishTimeout
        self.connection = AMQPConnection(
            configuration: configuration,
            topology: topology,
            role: .publisher(confirmWindow: confirmWindow),
            deliveries: nil,
            logger: logger
        )
    }

    /// Starts the connection thread (idempotent).
    public func start() {
        connection.start()
    }

    /// Waits until connected with the topology declared; throws the connect error after `timeout`.
    public func waitUntilConnected(timeout: Duration = .seconds(10)) async throws(AMQPError) {
        start()
        try await connection.waitUntilConnected(timeout: timeout)
    }

    /// How many connections were opened so far: 1, plus one per reconnect.
    public var connections: Int { connection.connectCount.withLock { $0 } }

    /// Whether the connection is open and its topology declared right now (for `/ready`).
    public var isConnected: Bool { connection.isConnected.withLock { $0 } }

    /// Publishes all messages pipelined; each result says whether the broker confirmed that message.
    public func publish(_ messages: [OutgoingMessage]) async -> [Result<Void, AMQPError>] {
        guard !messages.isEmpty else { return [] }
        start()
        let deadline = ContinuousClock.now + publishTimeout
        return await withCheckedContinuation { continuation in
            let collector = BatchCollector(count: messages.count, continuation: continuation)
            connection.send(messages.enumerated().map { index, message in
                .publish(PublishRequest(message: message, deadline: deadline, completion: { collector.complete(index, $0) }))
            })
        }
    }

    /// Waits for in-flight confirms (bounded) and closes the connection.
    public func close() async {
        await connection.close(graceful: true)
    }

    /// Runs until graceful shutdown, then drains in-flight confirms and closes.
    public func run() async throws {
        start()
        try? await gracefulShutdown()
        await close()
    }
}

/// Gathers the per-message results of one `publish` call and resumes its caller once all are in.
final class BatchCollector: Sendable {
    private struct State {
        var results: [Result<Void, AMQPError>?]
        var remaining: Int
        var continuation: CheckedContinuation<[Result<Void, AMQPError>], Never>?
    }
    private let state: Mutex<State>

    /// Collects `count` results for `continuation`.
    init(count: Int, continuation: CheckedContinuation<[Result<Void, AMQPError>], Never>) {
        state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count, continuation: continuation))
    }

    /// Records the result of message `index`; the last one resumes the caller.
    func complete(_ index: Int, _ result: Result<Void, AMQPError>) {
        let finished = state.withLock { state -> (CheckedContinuation<[Result<Void, AMQPError>], Never>, [Result<Void, AMQPError>])? in
            guard state.results[index] == nil else { return nil }
            state.results[index] = result
            state.remaining -= 1
            guard state.remaining == 0, let continuation = state.continuation else { return nil }
            state.continuation = nil
            return (continuation, state.results.map { $0! })
        }
        if let (continuation, results) = finished {
            continuation.resume(returning: results)
        }
    }
}
