/// What applying one later event did to the read model; either way its delivery can be acked.
enum ReadModelOutcome: Sendable, Equatable {
    /// The report's row and history were updated.
    case applied
    /// Intake does not know the report (nothing to update); the event is marked handled.
    case unknownReport
    /// The event was applied before (a redelivery).
    case duplicate
}
