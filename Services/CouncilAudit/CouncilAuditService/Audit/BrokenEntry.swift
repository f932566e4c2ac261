/// The first entry at which the chain breaks, and how.
public struct BrokenEntry: Sendable, Hashable, CustomStringConvertible {
    /// How an entry fails verification.
    public enum Reason: String, Sendable, Hashable {
        /// Its stored hash is not SHA-256(prev_hash ‖ body): the body (or the hash) was changed.
        case hashMismatch = "hash-mismatch"
        /// Its prev_hash is not the previous entry's hash: an entry before it was changed, removed or reordered.
        case previousHashMismatch = "prev-hash-mismatch"
        /// The sequence skips this number: the entry was deleted.
        case missing = "missing-entry"
        /// The chain head names a later entry or another hash than the last entry: entries at the end were removed.
        case headMismatch = "head-mismatch"
    }
    /// The entry's sequence number.
    public var seq: Int64
    /// Its event id (nil when the entry is missing).
    public var eventID: String?
    /// What is wrong.
    public var reason: Reason

    /// Creates a broken entry.
    public init(seq: Int64, eventID: String?, reason: Reason) {
        self.seq = seq
        self.eventID = eventID
        self.reason = reason
    }

    public var description: String { "entry \(seq)\(eventID.map { " (event \($0))" } ?? ""): \(reason.rawValue)" }
}
