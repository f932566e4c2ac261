extension Open311Node {
    /// Writes the node as the element `name`: an object's fields and a list's items become child
    /// elements, a scalar its text, null an empty element.
    func writeXML(named name: String, into writer: inout XMLWriter) {
        switch self {
        case .object(let fields):
            writer.element(name) { writer in
                for field in fields { field.value.writeXML(named: field.name, into: &writer) }
            }
        case .list(let item, let items):
            writer.element(name) { writer in
                for entry in items { entry.writeXML(named: item, into: &writer) }
            }
        case .string, .number, .integer, .bool, .null:
            writer.element(name, scalarText)
        }
    }
}
