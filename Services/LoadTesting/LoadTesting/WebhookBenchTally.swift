import Foundation
import Synchronization

/// What the benchmark's webhook receiver counted: distinct events delivered, duplicates, signatures checked
/// and failed, and when the first and the last distinct event arrived.
final class WebhookBenchTally: Sendable {
    /// One reading of the counters.
    struct Reading: Sendable {
        var delivered = 0
        var duplicates = 0
        var verified = 0
        var badSignatures = 0
        var first: ContinuousClock.Instant?
        var last: ContinuousClock.Instant?
    }

    private struct State: Sendable {
        var reading = Reading()
        var seen: Set<String> = []
        var requests = 0
    }

    private let state = Mutex(State())
    /// Every `verifyEvery`th request has its signature checked (HMAC per request would make the receiver the bottleneck).
    let verifyEvery: Int

    /// Creates a tally checking one signature in `verifyEvery`.
    init(verifyEvery: Int) {
        self.verifyEvery = verifyEvery
    }

    /// Counts a request and answers whether its signature should be checked.
    func record(eventID: String) -> Bool {
        let now = ContinuousClock.now
        return state.withLock { state in
            state.requests += 1
            if state.seen.insert(eventID).inserted {
                state.reading.delivered += 1
                if state.reading.first == nil { state.reading.first = now }
                state.reading.last = now
            } else {
                state.reading.duplicates += 1
            }
            return state.requests % verifyEvery == 1 || verifyEvery == 1
        }
    }

    /// Records the result of a signature check.
    func checked(valid: Bool) {
        state.withLock { state in
            state.reading.verified += 1
            if !valid { state.reading.badSignatures += 1 }
        }
    }

    /// The counters now.
    var reading: Reading { state.withLock { $0.reading } }
}
