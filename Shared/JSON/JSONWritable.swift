/// A payload that writes its own JSON into a ``JSONText`` — the hot paths' alternative to `Encodable`
/// (Foundation's `JSONEncoder` spent a quarter of the router's CPU on two events per report). Writers
/// produce what `JSONEncoder` with sorted keys produces: members in byte order of their names, absent
/// optionals left out — so a consumer cannot tell which of the two wrote an event.
public protocol JSONWritable: Encodable, Sendable {
    /// Appends this value as one JSON value.
    func writeJSON(into json: inout JSONText)
}

extension JSONWritable {
    /// This value's JSON as text (for a `jsonb` bind).
    public var jsonText: String {
        var json = JSONText()
        writeJSON(into: &json)
        return json.text
    }
}
