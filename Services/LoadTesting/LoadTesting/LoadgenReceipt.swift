import Foundation

/// What intake answered for one accepted report.
struct LoadgenReceipt: Sendable, Hashable {
    /// The 10-digit tracking code (what every channel learns; the key the verifier matches on).
    var trackingCode: String
    /// The report id, when the channel's answer carries it (native API and AMQP; Open311 answers only
    /// the tracking code — the verifier learns the id from the unit's delivery or intake's table).
    var reportID: String?
    /// The channel it went through.
    var channel: LoadgenChannel
    /// When the accepting answer reached the load generator (wall clock).
    var acceptedAt: Date
    /// Sends it took (more than 1 after a fault: the same idempotency key or message id again).
    var attempts: Int
    /// The service code the report's text is labelled with (set by the ledger).
    var serviceCode = ""
    /// Whether it was generated as a child report (set by the ledger).
    var child = false
    /// When it was due to be sent (open loop: its slot in the schedule; closed loop: when its submitter
    /// took it), set by the ledger; latency from here includes any wait at intake.
    var dueAt = Date.distantPast
}
