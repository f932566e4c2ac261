/// A description after `TextNormalizer`, in the form the matcher and the feature extractor read: the words
/// written one after another without spaces (`squashed`), and where each word starts and ends in it. Reading
/// the squashed text makes `می‌شوند`, `می شوند` and `میشوند` the same scalars; the word boundaries keep
/// a keyword from matching inside a longer word (`تاب` in `کتاب`).
public struct NormalizedReport: Sendable {
    /// The words, concatenated.
    public let squashed: [Unicode.Scalar]
    /// Start offset of each word in `squashed`, ascending.
    public let wordStarts: [Int]
    /// End offset (exclusive) of each word in `squashed`, ascending.
    public let wordEnds: [Int]

    /// Normalises `text` in one pass over its scalars.
    public init(_ text: String) {
        var squashed: [Unicode.Scalar] = []
        squashed.reserveCapacity(text.utf8.count)  // an upper bound on the scalars kept: one allocation
        var starts: [Int] = []
        var ends: [Int] = []
        TextNormalizer.scan(text, into: &squashed) { start, end in
            starts.append(start)
            ends.append(end)
        }
        self.squashed = squashed
        self.wordStarts = starts
        self.wordEnds = ends
    }

    /// Number of words.
    public var wordCount: Int { wordStarts.count }

    /// The text of `squashed[start..<end]`, for evidence.
    public func text(_ start: Int, _ end: Int) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: squashed[start..<end])
        return String(view)
    }
}
