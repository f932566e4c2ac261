import Logging
import PostgresNIO

extension PostgresClient {
    /// Runs `body` in a transaction on a pooled connection (BEGIN … COMMIT, ROLLBACK when it throws) and
    /// rethrows `body`'s own error unwrapped, so callers see their error rather than postgres-nio's
    /// `PostgresTransactionError`; failures of BEGIN and COMMIT themselves become `PersistenceError`.
    func inTransaction<Result: Sendable>(
        logger: Logger,
        _ context: String,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        do {
            return try await withTransaction(logger: logger) { connection in
                try await body(connection)
            }
        } catch let error as PostgresTransactionError {
            if let inner = error.closureError { throw inner }
            throw PersistenceError.mapping(error, to: .queryFailed, context)
        } catch {
            throw PersistenceError.mapping(error, to: .databaseUnavailable, context)
        }
    }
}
