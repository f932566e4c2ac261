import PostgresNIO

extension PersistenceError {
    /// Maps whatever a postgres-nio call threw to a `PersistenceError` (or lets cancellation and errors
    /// that already are `PersistenceError` through unchanged).
    ///
    /// Server errors become `code` with the SQLSTATE, and the table and constraint names when the server
    /// gives them; only for `migrationFailed` (our own DDL) the server's primary message too, because at run
    /// time it can quote a bound value. Never the `detail`. Connection-level failures become
    /// `databaseUnavailable`.
    static func mapping(_ error: any Error, to code: Code, _ context: String) -> any Error {
        switch error {
        case let error as PersistenceError:
            return error
        case is CancellationError:
            return error
        case let error as PostgresTransactionError:
            if let inner = error.closureError { return mapping(inner, to: code, context) }
            if let inner = error.beginError { return mapping(inner, to: .databaseUnavailable, "\(context) (BEGIN)") }
            if let inner = error.commitError { return mapping(inner, to: code, "\(context) (COMMIT)") }
            return PersistenceError(code, "\(context): transaction failed")
        case let error as PSQLError:
            if error.code == .server {
                let state = error.serverInfo?[.sqlState] ?? "?????"
                if code == .migrationFailed {
                    // Our own DDL: the server's message names what is wrong with it.
                    let message = error.serverInfo?[.message] ?? "server error"
                    return PersistenceError(code, "\(context): SQLSTATE \(state): \(message)")
                }
                // At run time the message can quote a bound value, so only names go into the error.
                var names: [String] = []
                if let table = error.serverInfo?[.tableName] { names.append("table \(table)") }
                if let constraint = error.serverInfo?[.constraintName] { names.append("constraint \(constraint)") }
                let suffix = names.isEmpty ? "" : " (\(names.joined(separator: ", ")))"
                return PersistenceError(code, "\(context): SQLSTATE \(state)\(suffix)")
            }
            if error.code == .queryCancelled { return CancellationError() }
            return PersistenceError(.databaseUnavailable, "\(context): \(error.code)")
        default:
            return PersistenceError(code, "\(context): \(type(of: error))")
        }
    }
}
