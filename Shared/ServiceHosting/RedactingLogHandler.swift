import Logging

/// A log handler that passes every message and metadata value through `Redaction.redact` before handing
/// it to the handler it wraps, as a safety net under the rule that logs carry no personal data or secrets.
///
/// Metadata is kept here as set and redacted only when an event is actually logged: servers set
/// per-request metadata (a request id) on every request, and most of those loggers never log at all.
public struct RedactingLogHandler<Wrapped: LogHandler>: LogHandler {
    /// The handler that writes the redacted events.
    public var wrapped: Wrapped

    /// Wraps `wrapped`.
    public init(wrapping wrapped: Wrapped) {
        self.wrapped = wrapped
    }

    /// The wrapped handler's metadata provider (its values are not redacted).
    public var metadataProvider: Logger.MetadataProvider? {
        get { wrapped.metadataProvider }
        set { wrapped.metadataProvider = newValue }
    }

    /// The handler's metadata, as set (redacted when logged).
    public var metadata: Logger.Metadata = [:]

    /// The wrapped handler's level.
    public var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    /// One metadata value (redacted when logged).
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Redacts the event's message and the merged handler and event metadata, then logs it through the
    /// wrapped handler (whose own metadata stays empty, so nothing reaches it unredacted).
    public func log(event: LogEvent) {
        var redacted = event
        redacted.message = Logger.Message(stringLiteral: Redaction.redact(event.message.description))
        let merged = event.metadata.map { metadata.merging($0) { _, eventValue in eventValue } } ?? metadata
        redacted.metadata = merged.isEmpty ? nil : Redaction.redact(merged)
        wrapped.log(event: redacted)
    }
}
