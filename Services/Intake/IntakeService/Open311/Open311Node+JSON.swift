import JSON

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
                text += JSONText.literal(field.name, javaScriptSafe: true)
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
            text += JSONText.literal(value, javaScriptSafe: true)
        case .number, .integer, .bool:
            // A non-finite number cannot be written as JSON; it is absent instead.
            text += scalarText ?? "null"
        case .null:
            text += "null"
        }
    }
}
