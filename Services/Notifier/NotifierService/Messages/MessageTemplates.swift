import Foundation
import Yams

/// The reporters' messages as data (`Resources/templates.yaml`): per kind and language a subject and a text
/// with `{placeholder}`s.
public struct MessageTemplates: Sendable, Equatable {
    /// One message in one language.
    public struct Template: Sendable, Equatable, Decodable {
        /// The e-mail subject.
        public var subject: String
        /// The SMS text and e-mail body.
        public var text: String
    }

    /// kind → language → template.
    public let templates: [String: [String: Template]]

    /// The kinds every templates file must have, each in `fa` and `en`.
    public static let kinds = ["received", "routed", "reassigned", "resolved", "rejected", "linked", "unlinked"]

    /// The templates shipped with the service.
    public static func bundled() throws(NotifierError) -> MessageTemplates {
        guard let url = Bundle.module.url(forResource: "templates", withExtension: "yaml"),
              let text = try? String(contentsOf: url, encoding: .utf8)
        else { throw NotifierError(code: .badTemplates, message: "templates.yaml is missing from the notifier's bundle") }
        return try parse(yaml: text)
    }

    /// Parses a templates file; every kind must be there in both languages.
    public static func parse(yaml: String) throws(NotifierError) -> MessageTemplates {
        struct File: Decodable { var version: Int; var templates: [String: [String: Template]] }
        let file: File
        do {
            file = try YAMLDecoder().decode(File.self, from: yaml)
        } catch {
            throw NotifierError(code: .badTemplates, message: "templates.yaml is not a templates file: \(error)")
        }
        for kind in kinds {
            for language in ["fa", "en"] where file.templates[kind]?[language] == nil {
                throw NotifierError(code: .badTemplates, message: "templates.yaml has no \(language) template for \(kind)")
            }
        }
        return MessageTemplates(templates: file.templates)
    }

    /// The template of `kind` in `language` (Persian when the language has none).
    public func template(_ kind: String, language: String) -> Template? {
        templates[kind]?[language] ?? templates[kind]?["fa"]
    }

    /// `text` with each `{name}` replaced by its value (unknown placeholders stay as written).
    public static func fill(_ text: String, _ values: [String: String]) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            result += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            result += values[name] ?? String(rest[open...close])
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }
}
