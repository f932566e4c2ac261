import PostgresNIO

/// A batch statement of one parameter — a JSON array, one object per row, as `jsonb_to_recordset($1)`
/// reads it — answering one column per row stored. The stages' batch writers (intake's reports, the
/// classifier's decisions, the router's reports) state only their SQL and what a row answers; the
/// binding and decoding are this protocol's. A named prepared statement, planned once per connection.
public protocol JSONDocumentStatement: PostgresPreparedStatement where Row: PostgresDecodable {
    /// The rows, as `jsonb_to_recordset` reads them.
    var document: String { get }
}

extension JSONDocumentStatement {
    /// The one parameter: the document.
    public func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(document)
        return bindings
    }

    /// The one column of an answer row.
    public func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}
