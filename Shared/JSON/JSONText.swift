/// A JSON document written by hand into UTF-8 bytes — for hot paths (group-commit batches, the audit
/// log's canonical bytes) where values already held as JSON are spliced in as they are and Foundation's
/// `JSONEncoder` would cost more than the work around it. One escaping for all of them: quote and
/// backslash, `\n` `\r` `\t`, other control characters as `\u00XX`, everything else as UTF-8 (the audit
/// chain's canonical form depends on it byte for byte).
public struct JSONText: Sendable {
    /// The bytes so far.
    public internal(set) var bytes: [UInt8] = []

    /// An empty document.
    public init() {}

    /// Reserves room for `count` bytes (a writer that knows its usual size saves the regrowing).
    public mutating func reserveCapacity(_ count: Int) { bytes.reserveCapacity(count) }

    /// The document as a string.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// A JSON array of `elements`, each written by `write` (a batch statement's `jsonb_to_recordset` input).
    public static func array<Element>(_ elements: [Element], reserving bytesPerElement: Int, _ write: (inout JSONText, Element) -> Void) -> JSONText {
        var json = JSONText()
        json.reserveCapacity(elements.count * bytesPerElement + 2)
        json.raw("[")
        for (index, element) in elements.enumerated() {
            if index > 0 { json.raw(",") }
            write(&json, element)
        }
        json.raw("]")
        return json
    }

    /// Appends raw JSON punctuation or an already-encoded JSON value (must be valid JSON).
    public mutating func raw(_ json: String) { bytes.append(contentsOf: json.utf8) }

    /// Appends an already-encoded JSON value given as UTF-8 bytes (must be valid JSON).
    public mutating func raw(bytes json: [UInt8]) { bytes.append(contentsOf: json) }

    /// Appends `"key":` and a string value (or `null`), preceded by a comma unless `first`.
    public mutating func member(_ key: String, _ value: String?, first: Bool = false) {
        memberName(key, first: first)
        if let value { string(value) } else { raw("null") }
    }

    /// Appends `"key":` and `true` or `false`, preceded by a comma unless `first`.
    public mutating func member(_ key: String, bool: Bool, first: Bool = false) {
        memberName(key, first: first)
        raw(bool ? "true" : "false")
    }

    /// Appends `"key":` and a literal (`true`, `42`, an encoded value), preceded by a comma unless `first`.
    public mutating func member(_ key: String, literal: String, first: Bool = false) {
        memberName(key, first: first)
        raw(literal)
    }

    /// Appends a JSON string literal.
    public mutating func string(_ value: String) {
        Self.appendString(value, to: &bytes)
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// `value` as a JSON string literal, for writers that build a `String` (Open311 documents, the
    /// broker's definitions file). `javaScriptSafe` also escapes U+2028 and U+2029, which JSON allows
    /// raw but JavaScript before ES2019 does not (JSONP clients of Open311).
    public static func literal(_ value: String, javaScriptSafe: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count + 2)
        appendString(value, to: &bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        guard javaScriptSafe, text.unicodeScalars.contains(where: { $0.value == 0x2028 || $0.value == 0x2029 }) else { return text }
        var safe = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value == 0x2028 || scalar.value == 0x2029 {
                safe.append(contentsOf: (scalar.value == 0x2028 ? "\\u2028" : "\\u2029").unicodeScalars)
            } else {
                safe.append(scalar)
            }
        }
        return String(safe)
    }

    /// Appends `value` as a JSON string literal to `out`.
    public static func appendString(_ value: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
