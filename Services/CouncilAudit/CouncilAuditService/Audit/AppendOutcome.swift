/// What appending an event did.
public enum AppendOutcome: Sendable, Hashable {
    /// A new entry with this sequence number.
    case appended(seq: Int64)
    /// The event id is already in the log (a redelivery): nothing was added.
    case duplicate
}
