import Logging
import ServiceHosting
import TestSupport

/// Records every log line, rendered with its metadata, behind the same redacting handler the services
/// bootstrap — so tests can assert what would reach a log file.
final class LogRecorder: Sendable {
    private let events = Locked<[LogEvent]>([])

    /// A logger at `trace` writing into this recorder through `RedactingLogHandler`.
    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { [events] _ in RedactingLogHandler(wrapping: RecordingLogHandler(events: events)) }
        logger.logLevel = .trace
        return logger
    }

    /// Everything recorded so far, one line per event.
    var text: String {
        events.withLock { events in
            events.map { event in
                let metadata = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                return "\(event.level) \(event.message) \(metadata)"
            }.joined(separator: "\n")
        }
    }
}
