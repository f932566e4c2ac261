import CRabbitMQ
import Foundation
import Logging
import Metrics

#if canImport(Glibc)
import Glibc
#endif

/// The thread-confined half of `AMQPConnection`: it alone touches rabbitmq-c. It connects, declares the
/// topology, publishes with pipelined confirms or consumes, keeps heartbeats going while idle, and
/// reconnects with backoff. The bookkeeping of confirms is `PublishConfirmations` and of acks
/// `AckCoalescer`, neither of which does I/O; this class performs what they decide. Every C status code
/// becomes an `AMQPError` in `ConnectionLoop+Errors` and nowhere else.
final class ConnectionLoop {
    /// The connection this loop serves: its configuration, role, mailbox and wake pipe.
    let connection: AMQPConnection
    /// The owner's logger, tagged with the connection's name.
    let logger: Logger
    /// The one channel every connection opens.
    let channel: amqp_channel_t = 1
    /// The open connection, nil while disconnected.
    var state: amqp_connection_state_t?
    /// Bumped on every new connection; deliveries and acks of an older one are stale.
    var generation: UInt64 = 0
    /// Why the last connect failed or the last connection was lost, reported to waiters and to publishes
    /// that expire while disconnected.
    var lastConnectError: AMQPError?
    /// Which broker address to connect to next and how long to wait first (backoff, and the move to the
    /// next node of a cluster when one goes away).
    var rotation: EndpointRotation
    /// When the next connect may be attempted.
    var nextConnectAttempt = ContinuousClock.now
    /// When the current connection opened, to tell a connection that dies at once from a long-lived one.
    var connectedSince: ContinuousClock.Instant?

    /// A publisher's pending, in-flight and returned publishes (unused by a consumer).
    var confirmations: PublishConfirmations

    /// The consumer's tag while it consumes; nil once the broker confirmed a cancel, or when disconnected.
    var consumerTag: String?
    /// Deliveries handed out and not settled yet, which a graceful close waits for.
    var unsettled = 0
    /// Set by a close: no consuming again after a reconnect.
    var consumingStopped = false
    /// The consumer's acks, coalesced per pass.
    var acks = AckCoalescer()

    /// A close asked for by the owner: whether to drain, who to tell, and when to stop draining.
    var closeRequest: (graceful: Bool, completions: [@Sendable () -> Void], deadline: ContinuousClock.Instant)?
    /// Callers waiting for the connection to open, each until its deadline.
    var connectWaiters: [(deadline: ContinuousClock.Instant, completion: @Sendable (Result<Void, AMQPError>) -> Void)] = []
    /// Set once the loop is done; `run()` returns.
    var finished = false

    /// Publishes the broker confirmed.
    let publishedCounter: Counter
    /// Publishes that ended without a confirm (counted where they fail, not on a close).
    let failedCounter: Counter
    /// Connections lost or connect attempts failed after the first connection.
    let reconnectCounter: Counter

    /// A loop for `connection`; created on, and used only by, the connection's own thread.
    init(connection: AMQPConnection) {
        self.connection = connection
        var logger = connection.logger
        logger[metadataKey: "amqp.connection"] = "\(connection.configuration.connectionName)"
        self.logger = logger
        let configuration = connection.configuration
        self.rotation = EndpointRotation(
            count: configuration.endpoints.count,
            start: EndpointRotation.start(for: configuration.connectionName, count: configuration.endpoints.count),
            initialDelay: configuration.initialReconnectDelay, maximumDelay: configuration.maximumReconnectDelay)
        if case .publisher(let window) = connection.role {
            confirmations = PublishConfirmations(window: max(1, window))
        } else {
            confirmations = PublishConfirmations(window: 0)
        }
        let dims = [("connection", connection.configuration.connectionName)]
        publishedCounter = Counter(label: "open137_amqp_published_total", dimensions: dims)
        failedCounter = Counter(label: "open137_amqp_publish_failures_total", dimensions: dims)
        reconnectCounter = Counter(label: "open137_amqp_reconnects_total", dimensions: dims)
    }

    // MARK: - The loop

    /// Runs until the connection is closed: connect, serve commands and frames, reconnect on loss.
    func run() {
        while !finished {
            handleCommands(connection.takeCommands())
            failExpiredWaits()
            if finished { break }
            if state == nil {
                if closeRequest != nil {
                    finish()
                    break
                }
                if ContinuousClock.now >= nextConnectAttempt {
                    connect()
                } else {
                    waitForWake(until: nextConnectAttempt)
                }
                continue
            }
            do {
                try sendPendingPublishes()
                if try closeIfDrained() { break }
                try pumpFrames()
            } catch {
                connectionLost(error)
            }
        }
    }

    // MARK: - Commands

    private func handleCommands(_ commands: [AMQPConnection.Command]) {
        for command in commands {
            switch command {
            case .publish(let request):
                if closeRequest != nil {
                    request.completion(.failure(AMQPError(.shutdown, "publisher is closing")))
                } else {
                    confirmations.enqueue(request)
                }
            case .settle(let settlement, let tag, let generation, let completion):
                completion(settle(settlement, tag: tag, generation: generation))
            case .close(let graceful, let completion):
                if var request = closeRequest {
                    request.completions.append(completion)
                    request.graceful = request.graceful && graceful
                    closeRequest = request
                } else {
                    closeRequest = (graceful, [completion], .now + .seconds(10))
                }
                if !graceful {
                    report(confirmations.failAll(AMQPError(.shutdown, "connection closed by its owner")), counted: false)
                }
                stopConsuming()
            case .awaitConnected(let deadline, let completion):
                if state != nil {
                    completion(.success(()))
                } else if let lastConnectError, closeRequest != nil {
                    completion(.failure(lastConnectError))
                } else {
                    connectWaiters.append((deadline, completion))
                }
            case .get(let queue, let completion):
                completion(basicGet(queue))
            case .messageCount(let queue, let completion):
                completion(passiveDeclare(queue))
            case .limits(let completion):
                completion(state.map { Self.limits(of: $0) } ?? .failure(AMQPError(.notConnected, "not connected to the broker")))
            }
        }
        flushAcks()
    }

    /// Fails the connect waiters and the publishes whose deadline has passed.
    private func failExpiredWaits() {
        let now = ContinuousClock.now
        if connectWaiters.contains(where: { $0.deadline <= now }) {
            let error = lastConnectError ?? AMQPError(.timeout, "not connected before the deadline")
            for waiter in connectWaiters where waiter.deadline <= now { waiter.completion(.failure(error)) }
            connectWaiters.removeAll { $0.deadline <= now }
        }
        guard case .publisher = connection.role else { return }
        let unreachable = state == nil ? lastConnectError.map(\.message) ?? "connecting" : nil
        report(confirmations.expire(at: now, unreachable: unreachable))
    }

    private func waitForWake(until instant: ContinuousClock.Instant) {
        var fd = pollfd(fd: connection.wakePipe.read, events: Int16(POLLIN), revents: 0)
        _ = poll(&fd, 1, min(Self.milliseconds(until: instant), 200))
    }
}
