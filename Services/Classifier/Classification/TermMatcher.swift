/// Finds terms in a normalised report. A term matches when it starts at a word start and ends at a word
/// end — or is followed only by a common suffix up to the word end (Persian `ها`, `های`, `ی`, `ش`…;
/// English/Finglish `s`, `es`, and Finglish's ezafe and possessives `e`, `ye`, `i`, `ha`, `am`…) —
/// across any spacing of its words.
struct TermMatcher: Sendable {
    /// One found term.
    struct Match: Sendable, Hashable {
        /// Index of the term in the matcher's list.
        let term: Int
        /// Where in `squashed` it starts.
        let start: Int
    }

    /// The terms, in the caller's order (the caller keeps what each index means).
    let patterns: [TermPattern]
    /// Pattern indices by first scalar, longest first: an array for ASCII and the Arabic block (every
    /// normalised letter but accented-Latin folds lands there), a dictionary for the rest.
    private let byFirst: [[Int]]
    private let byOtherFirst: [Unicode.Scalar: [Int]]
    /// Every pattern's scalars one after another, with where each starts and how long it is: the hot loop
    /// compares raw scalars instead of retaining each pattern's array.
    private let flat: [Unicode.Scalar]
    private let starts: [Int]
    private let lengths: [Int]
    private let exact: [Bool]
    /// Scalars below this value are looked up in `byFirst`.
    private static let tableLimit: UInt32 = 0x0700

    /// Suffixes that may follow a term inside its word, normalised (ZWNJ already dropped).
    static let suffixes: [[Unicode.Scalar]] = [
        "ها", "های", "هایی", "هایش", "هاش", "هایشان", "هامون", "هاتون", "ی", "ای", "یی", "ش", "شان", "مان", "تان",
        "م", "ت", "ام", "ات", "اش", "مون", "تون", "شون", "ان", "ست", "است",
        "s", "es", "e", "ye", "i", "ie", "ha", "haye", "am", "esh", "ash", "emun", "etun", "eshun",
    ].map { Array($0.unicodeScalars) }

    /// A matcher for `terms` (a term that normalises to nothing never matches).
    init(terms: [String]) {
        var patterns: [TermPattern] = []
        var byFirst: [Unicode.Scalar: [Int]] = [:]
        for term in terms {
            guard let pattern = TermPattern(term) else {
                patterns.append(TermPattern("-")!)  // keeps indices aligned; never matches real text ("-" is a separator)
                continue
            }
            byFirst[pattern.scalars[0], default: []].append(patterns.count)
            patterns.append(pattern)
        }
        for key in byFirst.keys {
            byFirst[key]!.sort { patterns[$0].scalars.count > patterns[$1].scalars.count }
        }
        self.patterns = patterns
        flat = patterns.flatMap(\.scalars)
        var offset = 0
        starts = patterns.map { pattern in
            defer { offset += pattern.scalars.count }
            return offset
        }
        lengths = patterns.map(\.scalars.count)
        exact = patterns.map(\.exact)
        var table = [[Int]](repeating: [], count: Int(Self.tableLimit))
        var others: [Unicode.Scalar: [Int]] = [:]
        for (first, indices) in byFirst {
            if first.value < Self.tableLimit { table[Int(first.value)] = indices } else { others[first] = indices }
        }
        self.byFirst = table
        self.byOtherFirst = others
    }

    /// The patterns that start with `scalar`, longest first.
    @inline(__always)
    private func candidates(_ scalar: Unicode.Scalar) -> [Int]? {
        if scalar.value < Self.tableLimit {
            let indices = byFirst[Int(scalar.value)]
            return indices.isEmpty ? nil : indices
        }
        return byOtherFirst[scalar]
    }

    /// Every term found in `report` (a term once per place it occurs).
    func matches(in report: NormalizedReport) -> [Match] {
        var found: [Match] = []
        let count = report.squashed.count
        report.squashed.withUnsafeBufferPointer { text in
        flat.withUnsafeBufferPointer { flat in
            var wordIndex = 0
            for start in report.wordStarts {
                defer { wordIndex += 1 }
                guard let candidates = candidates(text[start]) else { continue }
                for index in candidates {
                    let length = lengths[index]
                    let end = start + length
                    guard end <= count else { continue }
                    let patternStart = starts[index]
                    var offset = 1  // the first scalar matched by construction
                    while offset < length, text[start + offset] == flat[patternStart + offset] { offset += 1 }
                    guard offset == length else { continue }
                    // The match must end where a word ends, maybe after a suffix.
                    guard let wordEnd = Self.endOfWord(containing: end, in: report, from: wordIndex) else { continue }
                    if wordEnd == end || (!exact[index] && Self.isSuffix(text, end, wordEnd)) {
                        found.append(Match(term: index, start: start))
                    }
                }
            }
        }
        }
        return found
    }

    /// The end of the word in which offset `end` falls (or that ends exactly at `end`).
    private static func endOfWord(containing end: Int, in report: NormalizedReport, from wordIndex: Int) -> Int? {
        var index = wordIndex
        while index < report.wordEnds.count {
            if report.wordEnds[index] >= end { return report.wordEnds[index] }
            index += 1
        }
        return nil
    }

    private static func isSuffix(_ text: UnsafeBufferPointer<Unicode.Scalar>, _ start: Int, _ end: Int) -> Bool {
        suffixes.contains { suffix in
            guard suffix.count == end - start else { return false }
            for (offset, scalar) in suffix.enumerated() where text[start + offset] != scalar { return false }
            return true
        }
    }
}
