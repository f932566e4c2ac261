import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One broker connection on its own OS thread. rabbitmq-c is not thread-safe, so the connection, its
/// socket and its channel live only on that thread (`ConnectionLoop`); async Swift talks to it through
/// this mailbox of commands and completion callbacks — the one boundary between the two worlds.
final class AMQPConnection: Sendable {
    /// What the connection is for.
    enum Role: Sendable {
        case publisher(confirmWindow: Int)
        case consumer(queue: String, prefetch: UInt16)
    }

    /// Work for the connection thread.
    enum Command: Sendable {
        case publish(PublishRequest)
        case settle(Settlement, tag: UInt64, generation: UInt64, completion: @Sendable (Result<Void, AMQPError>) -> Void)
        case close(graceful: Bool, completion: @Sendable () -> Void)
        case awaitConnected(deadline: ContinuousClock.Instant, completion: @Sendable (Result<Void, AMQPError>) -> Void)
        /// `basic.get` of one message (manual ack); nil when the queue is empty.
        case get(queue: String, completion: @Sendable (Result<AMQPDelivery?, AMQPError>) -> Void)
        /// A passive `queue.declare`: the queue's ready messages, without changing it.
        case messageCount(queue: String, completion: @Sendable (Result<Int, AMQPError>) -> Void)
        /// The socket's and rabbitmq-c's limits of the open connection (`ConnectionLoop+Limits`).
        case limits(completion: @Sendable (Result<ConnectionLoop.Limits, AMQPError>) -> Void)
    }

    /// Commands waiting for the thread, guarded by `mailbox`'s lock.
    struct Mailbox: ~Copyable {
        var commands: [Command] = []
        var wakeRequested = false
        /// Set when the thread has ended: commands sent after that are answered at once.
        var closed = false
    }

    /// Where to connect.
    let configuration: AMQPConfiguration
    /// Declared on every connect.
    let topology: Topology
    /// Publisher or consumer.
    let role: Role
    /// The logger of the owner.
    let logger: Logger
    /// The commands for the thread.
    let mailbox = Mutex(Mailbox())
    /// Read end [0] and write end [1] of the pipe that wakes the thread out of `poll`.
    let wakePipe: (read: Int32, write: Int32)
    /// Where a consumer's deliveries go.
    let deliveries: AsyncStream<AMQPDelivery>.Continuation?
    private let thread = Mutex<Thread?>(nil)
    /// How many times a connection was opened (1 + reconnects).
    let connectCount = Mutex(0)
    /// Whether a connection is open with its topology declared right now.
    let isConnected = Mutex(false)

    /// A connection that starts its thread on `start()`.
    init(
        configuration: AMQPConfiguration,
        topology: Topology,
        role: Role,
        deliveries: AsyncStream<AMQPDelivery>.Continuation?,
        logger: Logger
    ) {
        self.configuration = configuration
        self.topology = topology
        self.role = role
        self.deliveries = deliveries
        self.logger = logger
        var fds: [Int32] = [0, 0]
        let rc = fds.withUnsafeMutableBufferPointer { pipe($0.baseAddress!) }
        precondition(rc == 0, "pipe() failed: errno \(errno)")
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        self.wakePipe = (fds[0], fds[1])
    }

    deinit {
        Glibc.close(wakePipe.read)
        Glibc.close(wakePipe.write)
    }

    /// Starts the thread once; it connects, declares the topology and keeps reconnecting until closed.
    func start() {
        thread.withLock { thread in
            guard thread == nil else { return }
            let newThread = Thread { [self] in
                let loop = ConnectionLoop(connection: self)
                loop.run()
            }
            newThread.name = "amqp-\(configuration.connectionName)"
            newThread.stackSize = 1 << 20
            thread = newThread
            newThread.start()
        }
    }

    /// Hands a command to the thread and wakes it.
    func send(_ command: Command) {
        send([command])
    }

    /// Hands several commands to the thread with one wake-up.
    func send(_ commands: [Command]) {
        let (mustWake, closed) = mailbox.withLock { box -> (Bool, Bool) in
            if box.closed { return (false, true) }
            box.commands.append(contentsOf: commands)
            if box.wakeRequested { return (false, false) }
            box.wakeRequested = true
            return (true, false)
        }
        if closed {
            for command in commands { Self.answerAfterClose(command) }
        } else if mustWake {
            var byte: UInt8 = 1
            _ = write(wakePipe.write, &byte, 1)
        }
    }

    /// Marks the mailbox closed and answers what is still in it (called by the thread as it ends).
    func closeMailbox() {
        let left = mailbox.withLock { box in
            box.closed = true
            defer { box.commands = [] }
            return box.commands
        }
        for command in left { Self.answerAfterClose(command) }
    }

    /// The answer to a command that reached a connection that is gone.
    static func answerAfterClose(_ command: Command) {
        let closed = AMQPError(.shutdown, "connection closed")
        switch command {
        case .publish(let request): request.completion(.failure(closed))
        case .settle(_, _, _, let completion): completion(.failure(AMQPError(.staleDelivery, "connection closed; the broker redelivers unacked messages")))
        case .close(_, let completion): completion()
        case .awaitConnected(_, let completion): completion(.failure(closed))
        case .get(_, let completion): completion(.failure(closed))
        case .messageCount(_, let completion): completion(.failure(closed))
        case .limits(let completion): completion(.failure(closed))
        }
    }

    /// Takes all pending commands (called on the connection thread).
    func takeCommands() -> [Command] {
        var drain = [UInt8](repeating: 0, count: 64)
        while read(wakePipe.read, &drain, 64) > 0 {}
        return mailbox.withLock { box in
            box.wakeRequested = false
            let commands = box.commands
            box.commands.removeAll(keepingCapacity: true)
            return commands
        }
    }

    /// Waits until the connection is open and its topology declared, or throws the last connect error
    /// once `timeout` passes.
    func waitUntilConnected(timeout: Duration) async throws(AMQPError) {
        let result: Result<Void, AMQPError> = await withCheckedContinuation { continuation in
            send(.awaitConnected(deadline: .now + timeout, completion: { continuation.resume(returning: $0) }))
        }
        try result.get()
    }

    /// The limits the open connection runs with, read on its thread.
    func limits() async throws(AMQPError) -> ConnectionLoop.Limits {
        let result: Result<ConnectionLoop.Limits, AMQPError> = await withCheckedContinuation { continuation in
            send(.limits(completion: { continuation.resume(returning: $0) }))
        }
        return try result.get()
    }

    /// Closes the connection: gracefully drains in-flight publishes and unsettled deliveries (bounded),
    /// or drops the socket at once (unacked deliveries go back to the queue).
    func close(graceful: Bool) async {
        // A connection never started still has a thread to answer the close (it ends at once).
        start()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            send(.close(graceful: graceful, completion: { continuation.resume() }))
        }
    }
}

/// A message on its way to the broker with the callback that reports its confirm.
struct PublishRequest: Sendable {
    let message: OutgoingMessage
    let deadline: ContinuousClock.Instant
    let completion: @Sendable (Result<Void, AMQPError>) -> Void
}

extension AMQPConnection: DeliverySettler {
    /// Settles a delivery on the connection's thread.
    func settle(_ settlement: Settlement, tag: UInt64, generation: UInt64) async throws(AMQPError) {
        let result: Result<Void, AMQPError> = await withCheckedContinuation { continuation in
            send(.settle(settlement, tag: tag, generation: generation, completion: { continuation.resume(returning: $0) }))
        }
        try result.get()
    }
}
