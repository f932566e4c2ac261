import Foundation
@testable import IntakeService
import NIOCore
import Testing

/// The per-key and per-address token buckets: they limit, they forget idle clients on the timer (not per
/// request), and a flood of distinct addresses neither grows them without bound nor slows them down.
@Suite("Rate limiter") struct RateLimiterTests {
    @Test("a client gets its burst, then waits; the wait is whole seconds")
    func limits() {
        let limiter = RateLimiter(rate: 1, burst: 3)
        let start = ContinuousClock.now
        for _ in 0..<3 { #expect(limiter.acquire("a", now: start) == nil) }
        #expect(limiter.acquire("a", now: start) == 1)
        #expect(limiter.acquire("b", now: start) == nil)
        #expect(limiter.acquire("a", now: start + .seconds(1)) == nil)
    }

    @Test("100,000 distinct addresses: bounded by the capacity while they come, forgotten after two generations, fast throughout")
    func forgetsIdleClients() {
        let limiter = RateLimiter(rate: 10, burst: 20, capacity: 50_000)
        let start = ContinuousClock.now
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for index in 0..<100_000 {
                _ = limiter.acquire("10.\(index >> 16).\((index >> 8) & 255).\(index & 255)", now: start)
            }
        }
        // Past the capacity the newcomers share one overflow bucket instead of adding rows.
        #expect(limiter.trackedClients <= 50_001)
        #expect(elapsed < .seconds(10), "100,000 acquisitions took \(elapsed)")
        limiter.forgetIdle()
        #expect(limiter.trackedClients <= 50_001)
        limiter.forgetIdle()
        #expect(limiter.trackedClients == 0)
        // A sweep is O(1) under the lock however large the table was.
        let sweep = clock.measure { limiter.forgetIdle() }
        #expect(sweep < .milliseconds(100))
    }

    @Test("the overflow bucket is shared: a flood past the capacity is throttled as one client")
    func overflowIsShared() {
        let limiter = RateLimiter(rate: 1, burst: 2, capacity: 2)
        let now = ContinuousClock.now
        #expect(limiter.acquire("a", now: now) == nil)
        #expect(limiter.acquire("b", now: now) == nil)
        #expect(limiter.acquire("c", now: now) == nil)
        #expect(limiter.acquire("d", now: now) == nil)
        #expect(limiter.acquire("e", now: now) != nil)
        // Known clients keep their own buckets.
        #expect(limiter.acquire("a", now: now) == nil)
    }

    @Test("a client seen in the last generation keeps its bucket; forgetting loses nothing (the bucket had refilled)")
    func activeClientsKeepTheirState() {
        let limiter = RateLimiter(rate: 1, burst: 2)
        let now = ContinuousClock.now
        #expect(limiter.acquire("a", now: now) == nil)
        #expect(limiter.acquire("a", now: now) == nil)
        limiter.forgetIdle()
        // Still throttled after one sweep: its empty bucket moved to the older generation, not away.
        #expect(limiter.acquire("a", now: now) != nil)
        #expect(limiter.generationLength >= .seconds(2))
    }

    @Test("the timer ends generations while the service runs")
    func timerForgets() async throws {
        let limiter = RateLimiter(rate: 1_000, burst: 1_000)
        _ = limiter.acquire("a")
        let running = Task { try await limiter.run() }
        defer { running.cancel() }
        let deadline = ContinuousClock.now + .seconds(10)
        while limiter.trackedClients > 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(limiter.trackedClients == 0)
    }

    @Test("IPv6 clients are limited by their /64, IPv4 ones (also mapped into IPv6) by their address")
    func addressKeys() throws {
        let a = try SocketAddress(ipAddress: "2001:db8:1:2:aaaa::1", port: 1)
        let b = try SocketAddress(ipAddress: "2001:db8:1:2:bbbb::2", port: 2)
        let c = try SocketAddress(ipAddress: "2001:db8:1:3::1", port: 3)
        #expect(IntakeRequestContext.rateLimitKey(a) == IntakeRequestContext.rateLimitKey(b))
        #expect(IntakeRequestContext.rateLimitKey(a) != IntakeRequestContext.rateLimitKey(c))
        #expect(IntakeRequestContext.rateLimitKey(a) == "2001:db8:1:2::/64")
        #expect(IntakeRequestContext.rateLimitKey(try SocketAddress(ipAddress: "192.0.2.7", port: 1)) == "192.0.2.7")
        #expect(IntakeRequestContext.rateLimitKey(try SocketAddress(ipAddress: "::ffff:192.0.2.7", port: 1)) != IntakeRequestContext.rateLimitKey(try SocketAddress(ipAddress: "::ffff:192.0.2.8", port: 1)))
        #expect(IntakeRequestContext.rateLimitKey(nil) == "unknown")
    }
}
