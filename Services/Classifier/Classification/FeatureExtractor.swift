/// Turns a normalised report into hashed features: character n-grams over the squashed text (robust to
/// Persian morphology, spacing and typos), whole words, neighbouring words written together, and one
/// feature per taxonomy keyword matched (`keyword:CFC-PLAY`), whose weight the model learns.
///
/// Each feature is a 64-bit FNV-1a hash of its kind and scalars; where it came from is kept beside it so
/// that the evidence can name the n-grams that decided.
struct FeatureExtractor: Sendable {
    /// Where a feature came from, for evidence.
    enum Source: Sendable, Hashable {
        /// `squashed[start..<end]` as a character n-gram.
        case gram(start: Int32, end: Int32)
        /// `squashed[start..<end]` as a word, or two neighbouring words together.
        case word(start: Int32, end: Int32)
        /// A taxonomy keyword of a code (index into the model's codes).
        case keyword(code: Int32)
    }

    let options: ModelOptions

    static let offset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3
    static let gramSeed = mix(offset, 1)
    static let wordSeed = mix(offset, 2)
    static let keywordSeed = mix(offset, 3)

    @inline(__always)
    static func mix(_ hash: UInt64, _ value: UInt32) -> UInt64 {
        (hash ^ UInt64(value)) &* prime
    }

    /// The hash of the keyword feature of code index `code`.
    static func keywordFeature(_ code: Int) -> UInt64 {
        mix(keywordSeed, UInt32(code))
    }

    /// Appends the features of `report` to `features` (and their sources to `sources`); `keywordCodes`
    /// are the code indices of the keywords matched, one entry per match.
    func extract(
        _ report: NormalizedReport, keywordCodes: [Int],
        into features: inout [UInt64], sources: inout [Source]
    ) {
        let text = report.squashed
        let count = text.count
        if options.maxGram > 0 {
            for start in 0..<count {
                var hash = Self.gramSeed
                var length = 0
                while length < options.maxGram, start + length < count {
                    hash = Self.mix(hash, text[start + length].value)
                    length += 1
                    if length >= options.minGram {
                        features.append(hash)
                        sources.append(.gram(start: Int32(start), end: Int32(start + length)))
                    }
                }
            }
        }
        if options.words || options.joinedPairs {
            for index in 0..<report.wordCount {
                let start = report.wordStarts[index]
                let end = report.wordEnds[index]
                if options.words, end - start >= 2, !Self.isNumber(text[start..<end]) {
                    features.append(Self.hash(Self.wordSeed, text[start..<end]))
                    sources.append(.word(start: Int32(start), end: Int32(end)))
                }
                if options.joinedPairs, index + 1 < report.wordCount {
                    let pairEnd = report.wordEnds[index + 1]
                    if !Self.isNumber(text[start..<pairEnd]) {
                        features.append(Self.hash(Self.wordSeed, text[start..<pairEnd]))
                        sources.append(.word(start: Int32(start), end: Int32(pairEnd)))
                    }
                }
            }
        }
        for code in keywordCodes {
            for _ in 0..<options.keywordWeight {
                features.append(Self.keywordFeature(code))
                sources.append(.keyword(code: Int32(code)))
            }
        }
    }

    static func hash(_ seed: UInt64, _ scalars: ArraySlice<Unicode.Scalar>) -> UInt64 {
        var hash = seed
        for scalar in scalars { hash = mix(hash, scalar.value) }
        return hash
    }

    static func isNumber(_ scalars: ArraySlice<Unicode.Scalar>) -> Bool {
        scalars.allSatisfy { $0.value >= 0x30 && $0.value <= 0x39 }
    }
}
