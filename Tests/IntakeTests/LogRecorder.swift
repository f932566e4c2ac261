import Logging
import ServiceHosting
import Synchronization

/// Records every log line, rendered with its metadata, behind the same redacting handler the services
/// bootstrap — so tests can assert what would reach a log file.
final class LogRecorder: Sendable {
    private let lines = Mutex<[String]>([])

    /// A logger at `trace` writing into this recorder through `RedactingLogHandler`.
    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { _ in RedactingLogHandler(wrapping: Handler(recorder: self)) }
        logger.logLevel = .trace
        return logger
    }

    /// Everything recorded so far, one line per event.
    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    fileprivate func record(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            recorder.record("\(event.level) \(event.message) \(all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        }
    }
}
