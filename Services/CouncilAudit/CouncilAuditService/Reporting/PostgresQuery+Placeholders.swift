import Foundation
import PostgresNIO

extension PostgresQuery {
    /// Replaces the placeholder `name` (e.g. `$NOW`, written in this module's constant SQL) by a bind of
    /// `value`, appended after the query's other binds.
    func binding(_ name: String, _ value: some PostgresEncodable & Sendable) throws -> PostgresQuery {
        var query = self
        query.sql = query.sql.replacingOccurrences(of: name, with: "$\(query.binds.count + 1)")
        try query.binds.append(value, context: .default)
        return query
    }
}
