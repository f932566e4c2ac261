/// A bound on how long a request waits for the database. postgres-nio queues a query until a connection
/// is free — with the database down that is forever — so every store call races this deadline and a
/// client gets a prompt `503` with `Retry-After` instead of a hung request.
public struct DatabaseDeadline: Sendable {
    /// How long one store call may take.
    public var timeout: Duration

    /// A deadline of `timeout` per call.
    public init(timeout: Duration) {
        self.timeout = timeout
    }

    /// Runs `operation`, or throws `.unavailable` when it has not finished within the timeout (the
    /// operation is cancelled: an uncommitted transaction rolls back).
    public func run<T: Sendable>(_ what: String, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Outcome<T>.self) { group in
            group.addTask { .finished(try await operation()) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return .timedOut
            }
            defer { group.cancelAll() }
            guard case .finished(let value)? = try await group.next() else {
                throw IntakeStoreError(.unavailable, "\(what): the database did not answer within \(timeout)")
            }
            return value
        }
    }

    private enum Outcome<T: Sendable>: Sendable {
        case finished(T)
        case timedOut
    }
}
