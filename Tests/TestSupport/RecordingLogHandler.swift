import Logging

/// A log handler that records every event, for tests of what reaches a log (wrap it in the services'
/// `RedactingLogHandler` to see what a log file would hold).
public struct RecordingLogHandler: LogHandler {
    /// Where events are recorded.
    public let events: Locked<[LogEvent]>
    /// Handler metadata.
    public var metadata: Logger.Metadata = [:]
    /// Handler level.
    public var logLevel: Logger.Level = .trace

    /// A handler recording into `events`.
    public init(events: Locked<[LogEvent]>) {
        self.events = events
    }

    /// One metadata value.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Records the event with the handler's metadata merged in (the event's own wins).
    public func log(event: LogEvent) {
        var event = event
        if !metadata.isEmpty { event.metadata = metadata.merging(event.metadata ?? [:]) { $1 } }
        events.withLock { $0.append(event) }
    }
}
