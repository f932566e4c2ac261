import Contracts

/// One report event handed to the ``NotificationBatchWriter``: decoded and checked by the handler, not yet
/// planned (later events need the stored reporter, which the batch reads in its transaction).
public struct NotificationBatchItem: Sendable {
    /// The event.
    public var event: CloudEvent
    /// The event's bytes as received (webhooks get them byte for byte).
    public var body: String
    /// The reporter of a `report.received` (stored by the batch).
    public var received: ReporterRecord?

    /// Creates an item.
    public init(event: CloudEvent, body: String, received: ReporterRecord?) {
        self.event = event
        self.body = body
        self.received = received
    }

    /// Whether planning needs the stored reporter (a later event the reporter is told about).
    var needsStoredReporter: Bool {
        received == nil && NotificationPlanner.concernsReporter(event.type)
    }
}
