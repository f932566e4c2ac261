import ServiceHosting
/// Whether a stage's own dependencies (its database, its broker) are up, for ``DeliveryWorker`` to tell an
/// outage from poison. It runs the same checks as the ops server's `/ready`, each bounded by a timeout,
/// and remembers the answer for a moment: when a whole batch of handlers fails at once, as it does when
/// the database goes away, they share one round of checks instead of each running its own.
public actor DependencyProbe {
    private let checks: [ReadinessCheck]
    private let timeout: Duration
    private let cacheFor: Duration
    private var last: (healthy: Bool, at: ContinuousClock.Instant)?
    private var probing = false
    private var waiting: [CheckedContinuation<Bool, Never>] = []

    /// A probe healthy when every one of `checks` is up within `timeout`; an answer is reused for `cacheFor`.
    public init(checks: [ReadinessCheck], timeout: Duration = .seconds(1), cacheFor: Duration = .seconds(2)) {
        self.checks = checks
        self.timeout = timeout
        self.cacheFor = cacheFor
    }

    /// True when every check is up (the remembered answer while it is fresh). Callers arriving while a
    /// round runs wait for that round's answer.
    public func isHealthy() async -> Bool {
        if let last, last.at.duration(to: .now) < cacheFor { return last.healthy }
        if probing {
            return await withCheckedContinuation { waiting.append($0) }
        }
        probing = true
        var healthy = true
        for check in checks {
            guard await OpsServer.evaluate(check, timeout: timeout).isUp else {
                healthy = false
                break
            }
        }
        last = (healthy, .now)
        probing = false
        let waiters = waiting
        waiting = []
        for waiter in waiters { waiter.resume(returning: healthy) }
        return healthy
    }
}
