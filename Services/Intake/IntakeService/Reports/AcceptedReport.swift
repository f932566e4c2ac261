import Foundation

/// What intake answers when it accepted a report (or accepted it before, for a repeated Idempotency-Key).
public struct AcceptedReport: Sendable, Hashable {
    /// The report's id.
    public var reportID: UUID
    /// The code the reporter follows it with.
    public var trackingCode: TrackingCode
    /// The public status right now.
    public var status: String
    /// When intake accepted it.
    public var receivedAt: Date
    /// True when this is the first answer repeated for the same Idempotency-Key and body.
    public var replayed: Bool
}
