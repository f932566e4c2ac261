import Synchronization

/// A value loaded on demand and kept for a while: callers within `maxAge` of the last load share it; the
/// first caller after that (or after `invalidate()`) loads it again. Concurrent callers at expiry may each
/// load once; that costs a read, never a wrong answer.
final class RefreshingValue<Value: Sendable>: Sendable {
    private let state = Mutex<(value: Value, loadedAt: ContinuousClock.Instant)?>(nil)

    /// Creates an empty cache.
    init() {}

    /// The value, loaded with `load` when there is none or it is older than `maxAge`.
    func value(maxAge: Duration, load: () async throws -> Value) async throws -> Value {
        let now = ContinuousClock.now
        if let cached = state.withLock({ $0 }), now - cached.loadedAt < maxAge { return cached.value }
        let value = try await load()
        state.withLock { $0 = (value, now) }
        return value
    }

    /// Forgets the value, so the next caller loads it.
    func invalidate() {
        state.withLock { $0 = nil }
    }
}
