import Logging
import Persistence
import PostgresNIO

extension ReadinessResult {
    /// The database check of `/ready` for `client`: `SELECT 1` through a deadline that closes the
    /// connection. A `SELECT 1` sent to a connection whose server process has gone is never answered, and a
    /// delivery worker's dependency probe (this check) would then hold every handler of the service for good.
    public static func database(_ client: PostgresClient, logger: Logger) -> ReadinessCheck {
        {
            do {
                try await DatabaseDeadline(timeout: .seconds(5)).withConnection("the readiness check", client: client, logger: logger) {
                    _ = try await $0.query("SELECT 1", logger: logger)
                }
                return .up
            } catch {
                return .down("database unreachable")
            }
        }
    }
}
