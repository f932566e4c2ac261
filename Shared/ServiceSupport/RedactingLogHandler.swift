import Logging

/// A log handler that passes every message and metadata value through `Redaction.redact` before handing
/// it to the handler it wraps, as a safety net under the rule that logs carry no personal data or secrets.
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

    /// The wrapped handler's metadata; values are redacted as they are set.
    public var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = Redaction.redact(newValue) }
    }

    /// The wrapped handler's level.
    public var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    /// One metadata value; redacted as it is set.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue.map(Redaction.redact(_:)) }
    }

    /// Redacts the event's message and metadata, then logs it through the wrapped handler.
    public func log(event: LogEvent) {
        var redacted = event
        redacted.message = Logger.Message(stringLiteral: Redaction.redact(event.message.description))
        redacted.metadata = event.metadata.map(Redaction.redact(_:))
        wrapped.log(event: redacted)
    }
}
