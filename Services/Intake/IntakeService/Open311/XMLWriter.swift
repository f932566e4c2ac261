/// Writes the small XML documents Open311 uses: elements with text, no attributes, escaped content.
struct XMLWriter {
    private(set) var text = #"<?xml version="1.0" encoding="utf-8"?>"#

    /// Opens `name`, runs `body` for its children, closes it.
    mutating func element(_ name: String, _ body: (inout XMLWriter) -> Void) {
        text += "<\(name)>"
        body(&self)
        text += "</\(name)>"
    }

    /// An element with text content; nil writes an empty element (Open311 clients expect the field present).
    mutating func element(_ name: String, _ value: String?) {
        guard let value else {
            text += "<\(name)/>"
            return
        }
        text += "<\(name)>\(Self.escape(value))</\(name)>"
    }

    /// Escapes the five XML special characters and drops characters XML 1.0 forbids.
    static func escape(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20, !(0xFFFE...0xFFFF).contains(scalar.value) { escaped.unicodeScalars.append(scalar) }
            }
        }
        return escaped
    }
}
