/// One Open311 document as both renderings see it: ordered fields, lists that know their XML item name,
/// and scalars. Handlers build this once; ``Open311Document`` renders it as JSON or XML, so the two
/// formats cannot drift apart.
indirect enum Open311Node: Sendable {
    /// Fields in the order the spec lists them (JSON object / XML child elements).
    case object([Field])
    /// A list: a JSON array, or in XML one `<item>` element per entry inside the parent element.
    case list(item: String, [Open311Node])
    /// Text.
    case string(String)
    /// A decimal number (coordinates).
    case number(Double)
    /// A whole number (attribute order).
    case integer(Int)
    /// `true` / `false`.
    case bool(Bool)
    /// Absent value: JSON `null`, an empty XML element (clients expect the field present).
    case null

    /// One named field of an object.
    struct Field: Sendable {
        /// The field's name (JSON key, XML element name).
        var name: String
        /// Its value.
        var value: Open311Node

        /// Creates a field.
        init(_ name: String, _ value: Open311Node) {
            self.name = name
            self.value = value
        }
    }

    /// Text, or null when absent.
    static func text(_ value: String?) -> Open311Node {
        value.map(Open311Node.string) ?? .null
    }

    /// A decimal, or null when absent.
    static func decimal(_ value: Double?) -> Open311Node {
        value.map(Open311Node.number) ?? .null
    }

    /// A flag, or null when unknown.
    static func flag(_ value: Bool?) -> Open311Node {
        value.map(Open311Node.bool) ?? .null
    }

    /// A whole number, or null when absent.
    static func whole(_ value: Int?) -> Open311Node {
        value.map(Open311Node.integer) ?? .null
    }

    /// The text both renderings write for a scalar (nil for null and containers).
    var scalarText: String? {
        switch self {
        case .string(let text): text
        // Swift's shortest round-trip form ("35.7", "51.0") is valid JSON and reads back exactly.
        case .number(let number): number.isFinite ? String(describing: number) : nil
        case .integer(let number): String(number)
        case .bool(let flag): flag ? "true" : "false"
        case .null, .object, .list: nil
        }
    }
}
