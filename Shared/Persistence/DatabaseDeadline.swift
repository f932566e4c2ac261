/// A bound on how long an operation waits for the database. postgres-nio queues a request until a
/// connection is free — with the database down that can be forever, and a request queued while the
/// database restarted was seen never to be served (`make chaos`: intake's outbox relay stood still after a
/// `pg_ctl stop -m immediate` while the rest of intake went on) — so long-lived loops race their database
/// work against this deadline and try again.
public struct DatabaseDeadline: Sendable {
    /// How long one operation may take.
    public var timeout: Duration

    /// A deadline of `timeout` per operation.
    public init(timeout: Duration) {
        self.timeout = timeout
    }

    /// Runs `operation`, or throws `PersistenceError(.databaseUnavailable)` naming `what` when it has not
    /// finished within the timeout (the operation is cancelled: an uncommitted transaction rolls back).
    public func run<T: Sendable>(_ what: String, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Outcome<T>.self) { group in
            group.addTask { .finished(try await operation()) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return .timedOut
            }
            defer { group.cancelAll() }
            guard case .finished(let value)? = try await group.next() else {
                throw PersistenceError(.databaseUnavailable, "\(what): the database did not answer within \(timeout)")
            }
            return value
        }
    }

    private enum Outcome<T: Sendable>: Sendable {
        case finished(T)
        case timedOut
    }
}
