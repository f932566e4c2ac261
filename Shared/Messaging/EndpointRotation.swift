/// Which broker address a connection tries next, and how long it waits first — no I/O, so it is tested
/// without a broker; `ConnectionLoop` performs what it decides.
///
/// With one address it is the backoff the loop always had: a failed attempt waits the current delay, which
/// doubles up to the maximum; a connection lost after living a while reconnects after the initial delay,
/// one lost right after opening doubles the delay first. With several (the nodes of a cluster) a failure or
/// a loss moves on to the next address in the URL's order, wrapping round, after the initial delay only: the
/// next node is probably up. Only when every address failed in a row (a whole round) does the doubling
/// delay apply, so a cluster with no node up is not hammered. Each connection starts at an address chosen by
/// its name, so a service's connections — and a pipeline's services — spread over the nodes.
struct EndpointRotation: Sendable, Equatable {
    /// How many addresses there are (at least 1).
    let count: Int
    /// The address to try now.
    private(set) var index: Int
    /// Failed attempts (and losses) in a row in the current round.
    private(set) var failedInRound = 0
    /// The delay after a whole round has failed; doubles up to `maximumDelay`.
    private(set) var roundDelay: Duration
    /// The shortest delay: between addresses in a round, and after a long-lived connection is lost.
    let initialDelay: Duration
    /// The longest delay between rounds.
    let maximumDelay: Duration

    /// A rotation over `count` addresses starting at `start` (taken modulo `count`).
    init(count: Int, start: Int, initialDelay: Duration, maximumDelay: Duration) {
        self.count = max(1, count)
        self.index = ((start % self.count) + self.count) % self.count
        self.roundDelay = initialDelay
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// The start address for a connection named `name`: FNV-1a of the name, so it is the same in every run
    /// (Swift's `hashValue` is seeded per process) and differs between a service's connections.
    static func start(for name: String, count: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(max(1, count)))
    }

    /// The attempt at the current address succeeded: a new round starts (the delay stays until the
    /// connection has lived a while — see `lost(livedLong:)`).
    mutating func connected() {
        failedInRound = 0
    }

    /// The attempt at the current address failed: move on; returns how long to wait before the next one.
    mutating func attemptFailed() -> Duration {
        advance()
        failedInRound += 1
        guard failedInRound >= count else { return initialDelay }
        failedInRound = 0
        let delay = roundDelay
        roundDelay = min(roundDelay * 2, maximumDelay)
        return delay
    }

    /// The open connection was lost: move on; returns how long to wait. A connection that lived a while
    /// resets the backoff; one that died right after opening counts as a failed attempt whose delay doubles.
    mutating func lost(livedLong: Bool) -> Duration {
        advance()
        if livedLong {
            roundDelay = initialDelay
            failedInRound = 1
            return initialDelay
        }
        failedInRound += 1
        guard failedInRound >= count else { return initialDelay }
        failedInRound = 0
        roundDelay = min(roundDelay * 2, maximumDelay)
        return roundDelay
    }

    private mutating func advance() {
        index = (index + 1) % count
    }
}
