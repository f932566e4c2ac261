/// How one submission ended.
enum LoadgenOutcome: Sendable {
    /// Intake accepted it (possibly after retries with the same idempotency key or message id).
    case accepted(LoadgenReceipt)
    /// Intake refused it for good (a 4xx or an AMQP `rejected` reply): a bug in the generator or intake.
    case rejected(String)
    /// No accepting answer before the give-up deadline (intake or the broker stayed unreachable).
    case gaveUp(String)
}

/// A channel the load generator submits through.
protocol LoadgenSubmitter: Sendable {
    /// Which channel.
    var channel: LoadgenChannel { get }
    /// Submits `report`, retrying transient failures with the same idempotency key until `giveUpAt`; no
    /// wait (a request, a reply) runs past it, so the load phase ends then at the latest, give or take
    /// one publish timeout.
    func submit(_ report: LoadgenReport, giveUpAt: ContinuousClock.Instant) async -> LoadgenOutcome
}
