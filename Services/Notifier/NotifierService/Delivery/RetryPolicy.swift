/// How often and how far apart a notification is tried: exponential backoff with jitter, up to a limit.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts before it is failed.
    public var maxAttempts: Int
    /// The delay after the first failed attempt (before jitter).
    public var base: Duration
    /// The longest delay.
    public var cap: Duration

    /// Creates a policy.
    public init(maxAttempts: Int, base: Duration, cap: Duration = .seconds(600)) {
        self.maxAttempts = maxAttempts
        self.base = base
        self.cap = cap
    }

    /// The delay after failed attempt `attempt` (1-based): `base · 2^(attempt−1)`, capped, then a random
    /// 50–100 % of it, so notifications that failed together (a gateway outage) do not return together.
    public func delay(afterAttempt attempt: Int) -> Duration {
        let exponential = base * Double(1 << min(max(attempt - 1, 0), 30))
        let capped = min(exponential, cap)
        return capped * Double.random(in: 0.5...1.0)
    }
}
