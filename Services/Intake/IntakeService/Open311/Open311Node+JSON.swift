extension Open311Node {
    /// The node as JSON text: fields in their order, non-ASCII text as UTF-8 (not `\u` escapes).
    var jsonText: String {
        var text = ""
        writeJSON(into: &text)
        return text
    }

    private func writeJSON(into text: inout String) {
        switch self {
        case .object(let fields):
            text += "{"
            for (index, field) in fields.enumerated() {
                if index > 0 { text += "," }
                Self.writeJSONString(field.name, into: &text)
                text += ":"
                field.value.writeJSON(into: &text)
            }
            text += "}"
        case .list(_, let items):
            text += "["
            for (index, item) in items.enumerated() {
                if index > 0 { text += "," }
                item.writeJSON(into: &text)
            }
            text += "]"
        case .string(let value):
            Self.writeJSONString(value, into: &text)
        case .number, .integer, .bool:
            // A non-finite number cannot be written as JSON; it is absent instead.
            text += scalarText ?? "null"
        case .null:
            text += "null"
        }
    }

    /// Writes a JSON string literal: quotes, backslashes and control characters escaped (RFC 8259 §7).
    static func writeJSONString(_ value: String, into text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    // Control characters must be escaped; U+2028/9 too, so the JSON is also safe JavaScript.
                    let hex = String(scalar.value, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        text += "\""
    }
}
