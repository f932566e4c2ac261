import PostgresNIO
import Synchronization

/// A bound on how long an operation waits for the database, which returns on time.
///
/// postgres-nio can leave a request unanswered for ever: a statement written to a connection whose server
/// process has gone (`pg_terminate_backend`, `pg_ctl stop -m immediate`) is dropped by the closed channel
/// and its promise is never completed (`TerminatedConnectionTests` shows it), and a request queued for a
/// pooled connection while the database is down waits until one is free. A task group cannot bound that:
/// it returns only when every child has, so the deadline would wait for the very request it is meant to
/// end. Here the operation runs in its own task and the caller waits on a continuation that whichever of
/// the operation and its deadline (registered with ``DeadlineWatch``) finishes first resumes; at the deadline the operation is cancelled, the
/// connection it leased (when it went through ``DatabaseDeadline/withConnection(_:client:logger:_:)``) is
/// closed, and the caller gets `databaseUnavailable` at once. The abandoned task ends when its request
/// does, which may be never — it holds no lock and no transaction (its server session is gone).
public struct DatabaseDeadline: Sendable {
    /// How long one operation may take.
    public var timeout: Duration

    /// A deadline of `timeout` per operation.
    public init(timeout: Duration) {
        self.timeout = timeout
    }

    /// Runs `operation`, or throws `PersistenceError(.databaseUnavailable)` naming `what` when it has not
    /// finished within the timeout; `onTimeout` runs first (e.g. to close the connection it used).
    public func run<T: Sendable>(
        _ what: String,
        onTimeout: @escaping @Sendable () -> Void = {},
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let race = Race<T>()
        let timeout = self.timeout
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                race.start(continuation)
                // Unstructured on purpose (see the type's documentation): the operation may never return,
                // and the caller must. It is cancelled as soon as the race is decided.
                let work = Task {
                    do { race.finish(.success(try await operation())) } catch { race.finish(.failure(error)) }
                }
                let ticket = DeadlineWatch.shared.register(after: timeout) {
                    if race.finish(.failure(PersistenceError(.databaseUnavailable, "\(what): no answer within \(timeout)"))) {
                        onTimeout()
                    }
                }
                race.attach(work: work, ticket: ticket)
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }

    /// Leases a connection of `client` and runs `body` on it within the deadline; at the deadline the
    /// connection is closed (a request stuck on it can never be answered, and the pool must not hand it
    /// out again) and `databaseUnavailable` thrown.
    public func withConnection<T: Sendable>(
        _ what: String,
        client: PostgresClient,
        logger: Logger,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let leased = Mutex<PostgresConnection?>(nil)
        return try await run(what, onTimeout: {
            if let connection = leased.withLock({ $0 }) {
                logger.warning("closing a database connection that did not answer in time", metadata: ["operation": "\(what)"])
                connection.close().whenComplete { _ in }
            }
        }) {
            try await client.withConnection { connection in
                leased.withLock { $0 = connection }
                defer { leased.withLock { $0 = nil } }
                return try await body(connection)
            }
        }
    }

    /// The continuation, the operation's task, its deadline, and who won.
    private final class Race<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var result: Result<T, any Error>?
            var work: Task<Void, Never>?
            var ticket: DeadlineWatch.Ticket?
        }
        private let state = Mutex(State())

        func start(_ continuation: CheckedContinuation<T, any Error>) {
            let early = state.withLock { state -> Result<T, any Error>? in
                if let result = state.result { return result }
                state.continuation = continuation
                return nil
            }
            // Cancelled before the continuation existed.
            if let early { continuation.resume(with: early) }
        }

        func attach(work: Task<Void, Never>, ticket: DeadlineWatch.Ticket) {
            let decided = state.withLock { state -> Bool in
                state.work = work
                state.ticket = ticket
                return state.result != nil
            }
            if decided {
                work.cancel()
                DeadlineWatch.shared.cancel(ticket)
            }
        }

        /// Decides the race with `result` unless it is decided already; true when this call decided it.
        @discardableResult
        func finish(_ result: Result<T, any Error>) -> Bool {
            let won = state.withLock { state -> (CheckedContinuation<T, any Error>?, Task<Void, Never>?, DeadlineWatch.Ticket?, Bool) in
                guard state.result == nil else { return (nil, nil, nil, false) }
                state.result = result
                defer { state.continuation = nil }
                return (state.continuation, state.work, state.ticket, true)
            }
            if won.3, case .failure = result { won.1?.cancel() }
            if let ticket = won.2 { DeadlineWatch.shared.cancel(ticket) }
            won.0?.resume(with: result)
            return won.3
        }
    }
}

extension DatabaseDeadline {
    /// Runs `body` in a transaction on a leased connection within the deadline (BEGIN … COMMIT, ROLLBACK
    /// when `body` throws), rethrowing `body`'s own error unchanged. When the deadline passes, or the
    /// connection breaks, after COMMIT was sent, the error is `outcomeUnknown` — the transaction may have
    /// committed — and never `databaseUnavailable`, which promises that nothing was stored.
    public func withTransaction<T: Sendable>(
        _ what: String,
        client: PostgresClient,
        logger: Logger,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let commitSent = Atomic<Bool>(false)
        do {
            return try await withConnection(what, client: client, logger: logger) { connection in
                do {
                    try await connection.query("BEGIN", logger: logger)
                } catch {
                    throw PersistenceError.mapping(error, to: .databaseUnavailable, "\(what) (BEGIN)")
                }
                let value: T
                do {
                    value = try await body(connection)
                } catch {
                    // A broken connection rolls back by itself; a live one is told to, before it is reused.
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
                commitSent.store(true, ordering: .sequentiallyConsistent)
                do {
                    try await connection.query("COMMIT", logger: logger)
                } catch let error as PSQLError where error.code == .server {
                    // The server answered: it did not commit (a deferred constraint, a serialization failure).
                    throw PersistenceError.mapping(error, to: .queryFailed, "\(what) (COMMIT)")
                } catch {
                    throw PersistenceError(.outcomeUnknown, "\(what): the connection broke while COMMIT was under way (\(type(of: error)))")
                }
                return value
            }
        } catch let error as PersistenceError where error.code == .databaseUnavailable && commitSent.load(ordering: .sequentiallyConsistent) {
            throw PersistenceError(.outcomeUnknown, "\(what): COMMIT was sent and not answered in time")
        }
    }
}

extension PostgresClient {
    /// A transaction (see ``DatabaseDeadline/withTransaction(_:client:logger:_:)``) that returns within
    /// `timeout` whatever the database does: every writer and consumer of a stage stores through this, so
    /// none can wait for ever on a statement sent to a connection whose server process has gone.
    public func withTransaction<T: Sendable>(
        within timeout: Duration,
        _ what: String,
        logger: Logger,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await DatabaseDeadline(timeout: timeout).withTransaction(what, client: self, logger: logger, body)
    }
}
