import Foundation
import JSON

/// One event of a report's timeline with its place in the chain.
public struct TimelineEntry: Sendable, Hashable, Encodable {
    public var seq: Int64
    public var eventID: String
    public var type: String
    public var time: Date?
    public var appendedAt: Date
    /// Hex.
    public var prevHash: String
    /// Hex: SHA-256(prev_hash ‖ canonical event bytes).
    public var hash: String
    /// SHA-256 of the message as received, hex.
    public var originalSha256: String
    /// Whether contact data was removed before the event was logged.
    public var redacted: Bool
    /// The event as logged.
    public var event: JSONValue
    /// For a link or a split, what it says about the report's case; nil for every other event.
    public var link: TimelineLink?
}
