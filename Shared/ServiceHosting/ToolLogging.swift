import Foundation
import Logging

/// Loggers for the command-line tools (`open137`, `open137-load`): stderr, level from `LOG_LEVEL` (default warning, so output stays the numbers).
public enum ToolLogging {
    /// A logger labelled `open137.<label>` on stderr.
    public static func logger(_ label: String) -> Logger {
        var logger = Logger(label: "open137.\(label)", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }
}
