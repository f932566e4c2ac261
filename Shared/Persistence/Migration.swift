import Contracts
import Crypto

/// One versioned SQL migration: a file `NNNN_name.sql` whose statements run in one transaction, once per
/// schema, recorded with the SHA-256 of its text so a later edit of an applied file is caught.
public struct Migration: Sendable, Hashable, CustomStringConvertible {
    /// The number the file name starts with; migrations apply in ascending version order.
    public let version: Int
    /// The rest of the file name, without the version and `.sql` (e.g. `create_reports`).
    public let name: String
    /// The SQL text, one or more statements separated by `;`.
    public let sql: String
    /// Lower-case hex SHA-256 of the UTF-8 SQL text, exactly as stored in the file.
    public let checksum: String

    /// Creates a migration from its parts.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = Hex.lowercase(SHA256.hash(data: Array(sql.utf8)))
    }

    /// `0001_create_reports`, as the file was named.
    public var description: String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_" + name
    }
}
