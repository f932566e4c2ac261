/// What `Inbox.handleOnce` did with an event; either way the delivery can be acked after it returns.
public enum InboxOutcome: Sendable, Hashable {
    /// The event was new: its effect ran and committed with the inbox record.
    case processed
    /// The event was already recorded for this consumer: the effect did not run.
    case duplicate
}
