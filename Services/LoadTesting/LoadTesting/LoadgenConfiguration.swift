import ServiceHosting

/// What one `open137-load loadgen` run does and where the pipeline is.
struct LoadgenConfiguration: Sendable {
    /// How the load is offered.
    enum Mode: Sendable, Hashable {
        /// Open loop: a report every 1/rate seconds on a fixed schedule, whatever the answers do.
        case rate(Double)
        /// Closed loop: this many submitters, each sending the next report when the last was accepted.
        case concurrency(Int)
    }

    /// Open or closed loop.
    var mode: Mode
    /// How long reports are submitted.
    var duration: Duration
    /// The channels, used in turn.
    var channels: [LoadgenChannel]
    /// Share of child-friendly city reports (0…1).
    var childShare: Double
    /// How long to wait after the last submission for reports still in the pipeline.
    var drainTimeout: Duration
    /// Whether to consume the unit queues and check the audit log.
    var verify: Bool
    /// Where to write one line per accepted report (report id, tracking code, channel), if anywhere.
    var idsFile: String?
    /// Intake's base URL (`INTAKE_URL`).
    var intakeURL: String
    /// The channel key (`OPEN137_API_KEY`).
    var apiKey: String
    /// The broker (`AMQP_URL`); needed for the AMQP channel and for verification.
    var amqpURL: String?
    /// The database (`DATABASE_URL`); needed for verification.
    var databaseURL: DatabaseURL?
    /// Varies the generated reports between runs.
    var seed: UInt64
    /// How long a submission keeps retrying after the load phase ended before it gives up (at least the
    /// drain timeout); no submission waits past it.
    var giveUpAfter: Duration = .seconds(60)
}
