import Foundation
import JSON

/// JSON Pointers (RFC 6901): building them while walking an instance and resolving them in a document.
public enum JSONPointer {
    /// Escapes one reference token (`~` → `~0`, `/` → `~1`).
    public static func escape(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    /// Unescapes one reference token.
    public static func unescape(_ token: String) -> String {
        token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
    }

    /// The value `pointer` names inside `document` ("" is the document itself), or nil. Accepts the
    /// URI-fragment form too (`#/components/schemas/X`, percent-encoded).
    public static func resolve(_ pointer: String, in document: JSONValue) -> JSONValue? {
        var text = pointer
        if text.hasPrefix("#") {
            text.removeFirst()
            text = text.removingPercentEncoding ?? text
        }
        if text.isEmpty { return document }
        guard text.hasPrefix("/") else { return nil }
        var current = document
        for rawToken in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let token = unescape(String(rawToken))
            switch current {
            case .object(let members):
                guard let next = members[token] else { return nil }
                current = next
            case .array(let items):
                guard let index = Int(token), items.indices.contains(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }
}
