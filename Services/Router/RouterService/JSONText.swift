/// A JSON document written by hand into one string, for the group-commit batch: values the router already
/// holds as JSON text (encoded events) are spliced in as they are instead of being parsed and encoded again.
struct JSONText {
    /// The text so far.
    private(set) var text = ""

    /// Appends raw JSON punctuation or an already-encoded JSON value (must be valid JSON).
    mutating func raw(_ json: String) { text += json }

    /// Appends an already-encoded JSON value given as UTF-8 bytes (must be valid JSON).
    mutating func raw(bytes: [UInt8]) { text += String(decoding: bytes, as: UTF8.self) }

    /// Appends `"key":` and a string value (or `null`).
    mutating func member(_ key: String, _ value: String?, first: Bool = false) {
        if !first { text += "," }
        string(key)
        text += ":"
        if let value { string(value) } else { text += "null" }
    }

    /// Appends a JSON string literal, escaping quotes, backslashes and control characters.
    mutating func string(_ value: String) {
        text += "\""
        var plain = true
        for unit in value.utf8 where unit < 0x20 || unit == 0x22 || unit == 0x5C {
            plain = false
            break
        }
        guard !plain else {
            text += value
            text += "\""
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
