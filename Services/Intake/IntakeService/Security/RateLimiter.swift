import Synchronization

/// Token buckets keyed by API key or client address: each key may make `rate` requests a second with
/// bursts of `burst`. Past that, callers get the seconds to wait (`Retry-After`).
///
/// The table forgets idle clients on a timer (`forgetIdle`, run by `RateLimiter+Service`), not per request:
/// buckets live in two generations, and each sweep drops the older one whole. A bucket untouched for a
/// whole generation (at least `burst / rate` seconds) has refilled to full, so forgetting it loses
/// nothing — a returning client starts with a full bucket either way — and a sweep costs O(1) under the
/// lock however many clients there were. At most `capacity` clients are tracked per generation; past that
/// (a flood of distinct addresses) new clients share one overflow bucket, so memory stays bounded and the
/// flood is throttled as a whole rather than let through.
public final class RateLimiter: Sendable {
    /// Requests a second.
    public let rate: Double
    /// The largest burst.
    public let burst: Double
    /// The most clients one generation tracks.
    public let capacity: Int
    /// How long a generation lasts: long enough for any bucket to refill, so a dropped bucket was full.
    public let generationLength: Duration
    private let table = Mutex<Table>(Table())

    /// The key of the bucket shared by clients that arrive while the table is full.
    static let overflowKey = "\u{0}overflow"

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private struct Table {
        var current: [String: Bucket] = [:]
        var previous: [String: Bucket] = [:]
    }

    /// A limiter allowing `rate` requests a second per key, bursts up to `burst`, tracking at most
    /// `capacity` clients at a time.
    public init(rate: Double, burst: Double, capacity: Int = 100_000) {
        precondition(rate > 0 && burst >= 1, "a rate limiter needs a positive rate and a burst of at least one")
        precondition(capacity >= 1, "a rate limiter tracks at least one client")
        self.rate = rate
        self.burst = burst
        self.capacity = capacity
        // At least a second, so a fast-refilling limiter is not swept in a busy loop.
        let refill = max(1, (burst / rate).rounded(.up))
        self.generationLength = .seconds(min(refill, 86_400))
    }

    /// Takes a token for `key`: nil when allowed, else the whole seconds to wait before trying again.
    public func acquire(_ key: String, now: ContinuousClock.Instant = .now) -> Int? {
        table.withLock { table in
            var slot = key
            var bucket: Bucket
            if let found = table.current[key] {
                bucket = found
            } else if let found = table.previous.removeValue(forKey: key) {
                bucket = found
            } else {
                bucket = Bucket(tokens: burst, updated: now)
                if table.current.count >= capacity {
                    slot = Self.overflowKey
                    bucket = table.current[slot] ?? table.previous.removeValue(forKey: slot) ?? bucket
                }
            }
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + max(0, seconds) * rate)
            bucket.updated = now
            var wait: Int?
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
            } else {
                wait = max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
            }
            table.current[slot] = bucket
            return wait
        }
    }

    /// Ends a generation: forgets every client not seen since the last call (their buckets are full by
    /// then, when calls are at least `generationLength` apart). O(1) under the lock; the old table is
    /// freed after the lock is released.
    public func forgetIdle() {
        let forgotten = table.withLock { table in
            let old = table.previous
            table.previous = table.current
            table.current = [:]
            return old
        }
        _ = forgotten
    }

    /// How many clients the table holds now (both generations).
    public var trackedClients: Int {
        table.withLock { $0.current.count + $0.previous.count }
    }
}
