import Synchronization

/// Token buckets keyed by API key or client address: each key may make `rate` requests a second with
/// bursts of `burst`. Past that, callers get the seconds to wait (`Retry-After`).
public final class RateLimiter: Sendable {
    /// Requests a second.
    public let rate: Double
    /// The largest burst.
    public let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    /// A limiter allowing `rate` requests a second per key, bursts up to `burst`.
    public init(rate: Double, burst: Double) {
        precondition(rate > 0 && burst >= 1, "a rate limiter needs a positive rate and a burst of at least one")
        self.rate = rate
        self.burst = burst
    }

    /// Takes a token for `key`: nil when allowed, else the whole seconds to wait before trying again.
    public func acquire(_ key: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + max(0, seconds) * rate)
            bucket.updated = now
            defer {
                // Full buckets carry no state: drop them when the table grows, so it stays bounded.
                if buckets.count > 50_000 { buckets = buckets.filter { $0.value.tokens < burst } }
            }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                buckets[key] = bucket
                return nil
            }
            buckets[key] = bucket
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
    }
}
