/// One keyword, phrase or danger term, normalised and squashed like report text so that it matches
/// however its words are spaced. A term written with a trailing `=` (`باز=`) matches only a whole word,
/// without the suffixes other terms allow (so "open" does not match the start of `بازی`, "play").
struct TermPattern: Sendable {
    /// The term as written in the taxonomy or the rule (shown as evidence).
    let text: String
    /// The normalised term without spaces.
    let scalars: [Unicode.Scalar]
    /// Whether the normalised term has more than one word (a Latin term then needs them all).
    let wordCount: Int
    /// Whether the term must end where a word ends (no suffix).
    let exact: Bool

    /// A pattern for `text`, or nil when it normalises to nothing.
    init?(_ text: String) {
        exact = text.hasSuffix("=")
        let written = exact ? String(text.dropLast()) : text
        let words = TextNormalizer.words(of: written)
        guard !words.isEmpty else { return nil }
        self.text = written
        self.scalars = Array(words.joined())
        self.wordCount = words.count
    }
}
