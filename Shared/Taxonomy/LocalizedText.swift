/// A text in Persian and English.
public struct LocalizedText: Sendable, Equatable, Codable {
    /// Persian.
    public var fa: String
    /// English.
    public var en: String

    /// Creates a text from its two languages.
    public init(fa: String, en: String) {
        self.fa = fa
        self.en = en
    }

    /// The text in the language asked for: English for `en…`, Persian otherwise (the city's language is the default).
    public func text(for language: String?) -> String {
        guard let language, language.lowercased().hasPrefix("en") else { return fa }
        return en
    }
}
