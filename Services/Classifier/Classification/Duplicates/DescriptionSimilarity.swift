/// How much two descriptions say the same thing, from 0 to 1, over the classifier's normalised text
/// (``TextNormalizer``). Two measures, because reports of one hazard come in different languages:
/// - `trigram`: Jaccard of the words' character trigrams (`#word#` padded) — spelling variants and
///   inflections of one language meet, but Persian and English share no letters;
/// - `concepts`: weighted Jaccard of the ``HazardLexicon`` concepts — "تاب شکسته", "broken swing" and
///   "tab shekaste" meet, and "something broken in the park" does not match a different thing in it;
/// - `combined` (the matcher's): the concepts' score when both name a thing the lexicon knows — so that
///   "the swing in the park is broken" and "the slide in the park is broken", alike letter for letter, stay
///   apart — otherwise the larger of the two (descriptions in words the lexicon lacks). README, "Duplicates".
public struct DescriptionSimilarity: Sendable {
    /// Which measure to use.
    public enum Measure: String, Sendable, CaseIterable {
        /// Character trigram Jaccard.
        case trigram
        /// Weighted concept Jaccard.
        case concepts
        /// Concepts when both name a known thing, else the larger of the two.
        case combined
    }

    /// One description, prepared once for many comparisons.
    public struct Prepared: Sendable {
        /// The trigrams of its words.
        public let trigrams: Set<String>
        /// Its concepts with their weights.
        public let concepts: [String: Double]
        /// Whether it names a thing (an object concept).
        public var namesObject: Bool { concepts.values.contains(HazardLexicon.Kind.object.weight) }

        /// Normalises `text` and collects its trigrams and concepts.
        public init(_ text: String, lexicon: HazardLexicon = .shipped) {
            var trigrams = Set<String>()
            var concepts: [String: Double] = [:]
            for scalars in TextNormalizer.words(of: text) {
                let word = String(String.UnicodeScalarView(scalars))
                let padded = Array("#" + word + "#")
                if padded.count >= 3 {
                    for start in 0...(padded.count - 3) { trigrams.insert(String(padded[start..<start + 3])) }
                }
                if let found = lexicon.concept(of: word) { concepts[found.concept] = found.kind.weight }
            }
            self.trigrams = trigrams
            self.concepts = concepts
        }
    }

    /// The measure used.
    public let measure: Measure

    /// A similarity by `measure`.
    public init(measure: Measure = .combined) {
        self.measure = measure
    }

    /// The similarity of two prepared descriptions.
    public func score(_ a: Prepared, _ b: Prepared) -> Double {
        switch measure {
        case .trigram: Self.trigram(a, b)
        case .concepts: Self.concepts(a, b)
        case .combined: a.namesObject && b.namesObject ? Self.concepts(a, b) : max(Self.trigram(a, b), Self.concepts(a, b))
        }
    }

    /// Jaccard of the trigram sets (0 when both are empty).
    public static func trigram(_ a: Prepared, _ b: Prepared) -> Double {
        let union = a.trigrams.union(b.trigrams).count
        return union == 0 ? 0 : Double(a.trigrams.intersection(b.trigrams).count) / Double(union)
    }

    /// Weighted Jaccard of the concepts: the shared concepts' weight over the weight of all of them.
    public static func concepts(_ a: Prepared, _ b: Prepared) -> Double {
        var shared = 0.0, all = 0.0
        for (concept, weight) in a.concepts {
            all += weight
            if b.concepts[concept] != nil { shared += weight }
        }
        for (concept, weight) in b.concepts where a.concepts[concept] == nil { all += weight }
        return all == 0 ? 0 : shared / all
    }
}
