/// A schema name checked to be a plain lower-case SQL identifier, so it can be spliced into DDL and DML
/// (identifiers cannot be bound as parameters) without any risk of injection.
struct SQLIdentifier: Sendable, Hashable, CustomStringConvertible {
    /// The name as given, e.g. `intake`.
    let name: String

    /// Accepts `[a-z_][a-z0-9_]*`, at most 63 bytes (PostgreSQL's identifier limit), not starting with `pg_`.
    init(_ name: String) throws(PersistenceError) {
        let bytes = Array(name.utf8)
        let valid = !bytes.isEmpty && bytes.count <= 63
            && bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
            && !(bytes[0] >= 0x30 && bytes[0] <= 0x39)
            && !name.hasPrefix("pg_")
        guard valid else {
            throw PersistenceError(.invalidIdentifier, "schema name '\(name.prefix(80))' is not a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters, not pg_*)")
        }
        self.name = name
    }

    /// The name double-quoted, ready to splice into SQL.
    var quoted: String { "\"\(name)\"" }

    /// `"schema".table`, ready to splice into SQL.
    func qualified(_ table: String) -> String { "\(quoted).\(table)" }

    /// The name, unquoted.
    var description: String { name }
}
