/// Turns a normalised report into hashed features: character n-grams over the squashed text (robust to
/// Persian morphology, spacing and typos), whole words, neighbouring words written together, and one
/// feature per code whose taxonomy keywords matched (`keyword:CFC-PLAY`), whose weight the model learns.
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

    /// The most text features `report` can have (the size of the set that removes repeats).
    func upperBound(_ report: NormalizedReport) -> Int {
        report.squashed.count * max(0, options.maxGram - options.minGram + 1) + 2 * report.wordCount
    }

    /// Calls `body` once per distinct text feature of `report` (character n-grams, words, joined pairs),
    /// in the order they first occur, with where it came from. A feature weighs the same however often it
    /// occurs, so repeats are dropped here, with a small open-addressing set rather than a sort.
    @inline(__always)
    func forEachDistinct(_ report: NormalizedReport, _ body: (UInt64, Source) -> Void) {
        var seen = DistinctHashes(capacity: upperBound(report))
        report.squashed.withUnsafeBufferPointer { text in
            let count = text.count
            if options.maxGram > 0 {
                for start in 0..<count {
                    var hash = Self.gramSeed
                    var length = 0
                    while length < options.maxGram, start + length < count {
                        hash = Self.mix(hash, text[start + length].value)
                        length += 1
                        if length >= options.minGram, seen.insert(hash) {
                            body(hash, .gram(start: Int32(start), end: Int32(start + length)))
                        }
                    }
                }
            }
            guard options.words || options.joinedPairs else { return }
            for index in 0..<report.wordCount {
                let start = report.wordStarts[index]
                let end = report.wordEnds[index]
                if options.words, end - start >= 2, !Self.isNumber(text, start, end) {
                    let hash = Self.hash(Self.wordSeed, text, start, end)
                    if seen.insert(hash) { body(hash, .word(start: Int32(start), end: Int32(end))) }
                }
                if options.joinedPairs, index + 1 < report.wordCount {
                    let pairEnd = report.wordEnds[index + 1]
                    if !Self.isNumber(text, start, pairEnd) {
                        let hash = Self.hash(Self.wordSeed, text, start, pairEnd)
                        if seen.insert(hash) { body(hash, .word(start: Int32(start), end: Int32(pairEnd))) }
                    }
                }
            }
        }
    }

    /// The keyword features of one report with their weights: one per code, weighing `keywordWeight` ×
    /// √(distinct keywords of that code matched), in code order. `keywordCodes` has a code once per
    /// distinct keyword of it.
    func keywordFeatures(_ keywordCodes: [Int]) -> [(code: Int, hash: UInt64, value: Double)] {
        guard !keywordCodes.isEmpty else { return [] }
        var features: [(code: Int, hash: UInt64, value: Double)] = []
        for code in keywordCodes.sorted() {
            if let last = features.last, last.code == code {
                features[features.count - 1].value += 1
            } else {
                features.append((code, Self.keywordFeature(code), 1))
            }
        }
        for index in features.indices {
            features[index].value = options.keywordWeight * features[index].value.squareRoot()
        }
        return features
    }

    /// FNV-1a of `text[start..<end]` from `seed`.
    @inline(__always)
    static func hash(_ seed: UInt64, _ text: UnsafeBufferPointer<Unicode.Scalar>, _ start: Int, _ end: Int) -> UInt64 {
        var hash = seed
        for index in start..<end { hash = mix(hash, text[index].value) }
        return hash
    }

    /// Whether `text[start..<end]` is all digits (numbers are not word features: house numbers, times).
    @inline(__always)
    static func isNumber(_ text: UnsafeBufferPointer<Unicode.Scalar>, _ start: Int, _ end: Int) -> Bool {
        for index in start..<end where text[index].value < 0x30 || text[index].value > 0x39 { return false }
        return true
    }
}
