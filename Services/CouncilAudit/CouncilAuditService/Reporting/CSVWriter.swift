/// RFC 4180 CSV in UTF-8: fields with a comma, quote or line break are quoted (quotes doubled), lines end
/// in CRLF. The text starts with a byte-order mark so that spreadsheet programs read the Persian names as
/// UTF-8 (CSV readers that know UTF-8 skip it).
public struct CSVWriter: Sendable {
    private(set) var text = "\u{FEFF}"

    /// An empty document.
    public init() {}

    /// Appends one record.
    public mutating func row(_ fields: [String?]) {
        text += fields.map { Self.escape($0 ?? "") }.joined(separator: ",") + "\r\n"
    }

    /// The document.
    public var output: String { text }

    static func escape(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
