/// One keyword, phrase or danger term, normalised and squashed like report text so that it matches
/// however its words are spaced.
struct TermPattern: Sendable {
    /// The term as written in the taxonomy or the rule (shown as evidence).
    let text: String
    /// The normalised term without spaces.
    let scalars: [Unicode.Scalar]
    /// Whether the normalised term has more than one word (a Latin term then needs them all).
    let wordCount: Int

    /// A pattern for `text`, or nil when it normalises to nothing.
    init?(_ text: String) {
        let words = TextNormalizer.words(of: text)
        guard !words.isEmpty else { return nil }
        self.text = text
        self.scalars = Array(words.joined())
        self.wordCount = words.count
    }
}
