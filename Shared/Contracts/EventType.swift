/// The event types of the pipeline. Each is the CloudEvents `type` of an event and its routing key on
/// the events exchange; each has a message with its payload schema in `contracts/asyncapi.yaml`.
/// Later stages add theirs here and in the document together.
public enum EventType {
    /// Intake accepted, stored and gave a tracking code to a report.
    public static let reportReceived = "report.received"
    /// The classifier assigned service code, child-friendly flag and priority.
    public static let reportClassified = "report.classified"
    /// The router picked the responsible unit and the deadline, and delivered the report.
    public static let reportRouted = "report.routed"
    /// The responsible unit took the report on.
    public static let reportAssigned = "report.assigned"
    /// A unit's status update moved the report through its state machine.
    public static let reportStatusChanged = "report.status-changed"
    /// The report was referred to another unit.
    public static let reportReassigned = "report.reassigned"
    /// An overdue child report was escalated to the council's committee.
    public static let reportEscalated = "report.escalated"
    /// The router linked a new report to an open case of the same hazard instead of delivering it.
    public static let reportLinked = "report.linked"
    /// The case's unit split a linked report off: it became a case of its own.
    public static let reportUnlinked = "report.unlinked"
    /// The router found a case to be a hazard that keeps coming back and raised its priority.
    public static let reportRepeatHazard = "report.repeat-hazard"

    /// Every event type named so far, in the order of a report's journey.
    public static let all: [String] = [
        reportReceived,
        reportClassified,
        reportRouted,
        reportAssigned,
        reportStatusChanged,
        reportReassigned,
        reportEscalated,
        reportLinked,
        reportUnlinked,
        reportRepeatHazard,
    ]
}
