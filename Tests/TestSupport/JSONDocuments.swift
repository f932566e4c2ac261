import Foundation
import JSON
import Yams

/// Reads JSON and YAML documents (schemas, contracts, message bodies) into `JSONValue`, the one tree the
/// schema validator works on. YAML is read as JSON would be: mappings with string keys, sequences and
/// scalars resolved by YAML's own rules (so quote `"1.0"` or `"yes"` in a document when a string is meant).
public enum JSONDocuments {
    /// Loads a file; `.yaml` and `.yml` are read as YAML, anything else as JSON.
    public static func load(from path: String) throws(DocumentLoadingError) -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DocumentLoadingError(code: .unreadable, message: "cannot read \(path)")
        }
        let lowercased = path.lowercased()
        if lowercased.hasSuffix(".yaml") || lowercased.hasSuffix(".yml") {
            guard let text = String(data: data, encoding: .utf8) else {
                throw DocumentLoadingError(code: .unparsable, message: "\(path) is not UTF-8")
            }
            do {
                return try parse(yaml: text)
            } catch {
                throw DocumentLoadingError(code: error.code, message: "\(path): \(error.message)")
            }
        }
        do {
            return try parse(json: Array(data))
        } catch {
            throw DocumentLoadingError(code: error.code, message: "\(path): \(error.message)")
        }
    }

    /// Parses JSON text (any top-level value).
    public static func parse(json bytes: [UInt8]) throws(DocumentLoadingError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw DocumentLoadingError(code: .unparsable, message: "not JSON")
        }
    }

    /// Parses YAML text (one document).
    public static func parse(yaml text: String) throws(DocumentLoadingError) -> JSONValue {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw DocumentLoadingError(code: .unparsable, message: "not YAML: \(error)")
        }
        guard let node else { return .null }
        return try value(of: node, at: "")
    }

    private static func value(of node: Node, at path: String) throws(DocumentLoadingError) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool: return node.bool.map(JSONValue.bool) ?? .string(scalar.string)
            case .int: return node.int.map { .number(Double($0)) } ?? .string(scalar.string)
            case .float: return node.float.map(JSONValue.number) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for (index, item) in sequence.enumerated() {
                items.append(try value(of: item, at: path + "/" + String(index)))
            }
            return .array(items)
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (key, item) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw DocumentLoadingError(code: .unsupported, message: "non-scalar mapping key at \(path.isEmpty ? "/" : path)")
                }
                members[keyScalar.string] = try value(of: item, at: path + "/" + JSONPointer.escape(keyScalar.string))
            }
            return .object(members)
        case .alias:
            throw DocumentLoadingError(code: .unsupported, message: "YAML alias at \(path.isEmpty ? "/" : path)")
        }
    }
}
