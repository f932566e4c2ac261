import Synchronization
import Logging

/// Sets up swift-log once per process: a `StreamLogHandler` on standard error at the configured level,
/// wrapped in `RedactingLogHandler` so that phone numbers, e-mail addresses and URL passwords in messages
/// and metadata never reach the log.
///
/// `LoggingSystem.bootstrap` may only be called once per process; `bootstrap(level:)` may be called any
/// number of times. Later calls change the level of loggers created afterwards.
public enum LoggingBootstrap {
    /// The level given to handlers created from now on.
    private static let level = Mutex<Logger.Level>(.info)

    /// Installs the handler factory; evaluated exactly once per process.
    private static let installed: Bool = {
        LoggingSystem.bootstrap { label in
            var stream = StreamLogHandler.standardError(label: label)
            stream.logLevel = LoggingBootstrap.level.withLock { $0 }
            return RedactingLogHandler(wrapping: stream)
        }
        return true
    }()

    /// Bootstraps swift-log (first call only) and sets the level of loggers created from now on.
    public static func bootstrap(level: Logger.Level) {
        self.level.withLock { $0 = level }
        _ = installed
    }
}
