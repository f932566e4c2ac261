import Foundation
import Taxonomy

/// The classifier: decides a report's service code, whether it is a child-friendly city report, and its
/// priority, with the evidence a person can check.
///
/// Two parts, both explainable. Rules from the taxonomy (phrases that must never be missed, keywords) and
/// danger rules for `P0`; and a softmax regression over character n-grams, words and keyword matches,
/// trained from the labelled corpus when the classifier is built (a fraction of a second). The decision has two stages:
/// child report or not first (a missed child report is the worst error), then the code within that group.
/// Low confidence goes to `OTHER` (`CFC-OTHER` for a child report) with triage; a confident disagreement
/// with the channel's code is flagged for triage.
public struct ReportClassifier: Sendable {
    /// The taxonomy whose codes it decides.
    public let taxonomy: Taxonomy
    /// Feature and model choices.
    public let options: ModelOptions
    /// Decision thresholds.
    public private(set) var thresholds: DecisionThresholds
    /// Identifies the model: the algorithm and a hash of its training data and choices.
    public private(set) var modelVersion: String
    /// Hash of what training read (corpus, rule terms, options): the model before its thresholds.
    let trainingHash: UInt64
    /// How many labelled reports it learned from.
    public let trainingSize: Int

    /// The taxonomy's codes, in its order (the model's code classes).
    let codes: [String]
    /// Whether each code is a child-friendly city code.
    let isChildCode: [Bool]
    let fallbackIndex: Int
    let childFallbackIndex: Int
    let matcher: TermMatcher
    let roles: [TermRole]
    let dangerRules: [DangerRule]
    let extractor: FeatureExtractor
    let tables: LogisticTables

    /// What a matched term means.
    enum TermRole: Sendable {
        case keyword(code: Int)
        case phrase(code: Int)
        case danger(rule: Int, group: Int)
        /// A word for a child (`بچه`, `kid`, `دخترم`): needed, with or without a `CFC-*` keyword, before a
        /// report can be a child report.
        case childWord
    }

    /// Words for children, sons and daughters, pupils and babies — an anchor, not a decision: a child
    /// report names a child or a child place, but a report that names a child may still be about a pothole.
    static let childWords = DangerRule.childWords + [
        "فرزند", "بچه هام", "کودکم", "دانش اموزان", "شاگرد", "مادر و کودک", "زیر ۷ سال", "زیر ۱۲ سال",
        "son", "daughter", "schoolchildren", "children's", "kids'", "infant", "under 6", "under-6s", "minors", "teen", "teenager",
        "farzand", "farzandam", "nozad", "khordsal",
    ]

    /// The heads of the tables: codes, child (no, yes), priority (P0, P1, P2).
    static let codeHead = 0, childHead = 1, priorityHead = 2

    /// Trains a classifier from `corpus`; an unknown service code in it names the line's id.
    public init(
        taxonomy: Taxonomy, corpus: [LabelledReport], options: ModelOptions = .standard,
        thresholds: DecisionThresholds = .standard, dangerRules: [DangerRule] = DangerRule.standard
    ) throws(ClassificationError) {
        guard !corpus.isEmpty else {
            throw ClassificationError(code: .emptyCorpus, message: "no labelled reports to train on")
        }
        self.taxonomy = taxonomy
        self.options = options
        self.thresholds = thresholds
        self.dangerRules = dangerRules
        codes = taxonomy.services.map(\.code)
        isChildCode = taxonomy.services.map(\.isChildFriendly)
        fallbackIndex = codes.firstIndex(of: Taxonomy.fallbackCode)!
        childFallbackIndex = codes.firstIndex(of: "CFC-OTHER") ?? fallbackIndex

        var terms: [String] = []
        var roles: [TermRole] = []
        for (index, service) in taxonomy.services.enumerated() {
            for keyword in service.keywords {
                terms.append(keyword)
                roles.append(.keyword(code: index))
            }
            for phrase in service.phrases {
                terms.append(phrase)
                roles.append(.phrase(code: index))
            }
        }
        for word in Self.childWords {
            terms.append(word)
            roles.append(.childWord)
        }
        for (ruleIndex, rule) in dangerRules.enumerated() {
            for (groupIndex, group) in rule.groups.enumerated() {
                for term in group {
                    terms.append(term)
                    roles.append(.danger(rule: ruleIndex, group: groupIndex))
                }
            }
        }
        matcher = TermMatcher(terms: terms)
        self.roles = roles
        extractor = FeatureExtractor(options: options)

        let codeIndex = Dictionary(uniqueKeysWithValues: codes.enumerated().map { ($1, $0) })
        var examples: [LogisticTables.Example] = []
        examples.reserveCapacity(corpus.count)
        for report in corpus {
            guard let code = codeIndex[report.serviceCode] else {
                throw ClassificationError(code: .unknownServiceCode, message: "report \(report.id) has service code \(report.serviceCode), which the taxonomy does not have")
            }
            let normalized = NormalizedReport(report.description)
            let matches = matcher.matches(in: normalized)
            var features: [(hash: UInt64, weight: Float)] = []
            Self.forEachFeature(of: normalized, keywordCodes: Self.keywordCodes(matches, roles), extractor: extractor) { hash, _, value in
                features.append((hash, Float(value)))
            }
            let priority = report.priority.flatMap(Priority.init(rawValue:)).map { Priority.allCases.firstIndex(of: $0)! }
            examples.append(LogisticTables.Example(features: features, classes: [code, isChildCode[code] ? 1 : 0, priority]))
        }
        tables = LogisticTables(heads: [codes.count, 2, Priority.allCases.count], examples: examples, options: options)
        trainingSize = corpus.count
        trainingHash = Self.trainingHash(corpus: corpus, terms: terms, options: options)
        modelVersion = Self.version(trainingHash, thresholds)
    }

    /// The classifier trained on the shipped taxonomy and corpus.
    public static func bundled() throws(ClassificationError) -> ReportClassifier {
        let taxonomy: Taxonomy
        do {
            taxonomy = try Taxonomy.bundled()
        } catch {
            throw ClassificationError(code: .unreadable, message: "taxonomy.yaml: \(error.message)")
        }
        return try ReportClassifier(taxonomy: taxonomy, corpus: LabelledCorpus.bundled())
    }

    /// Bytes held by the model's tables.
    public var memoryBytes: Int { tables.memoryBytes }

    /// Number of distinct features the model knows.
    public var featureCount: Int { tables.rows.count }

    /// The code of each distinct keyword matched (a code appears once per distinct keyword of it).
    static func keywordCodes(_ matches: [TermMatcher.Match], _ roles: [TermRole]) -> [Int] {
        var codes: [Int] = []
        var terms: [Int] = []  // a report matches a handful of terms: a linear scan beats a set
        for match in matches {
            if case .keyword(let code) = roles[match.term], !terms.contains(match.term) {
                terms.append(match.term)
                codes.append(code)
            }
        }
        return codes
    }

    /// Every feature of one report as training and classification read it, each once, with its raw
    /// weight before the vector is scaled to unit length: a text feature weighs 1 however often it occurs;
    /// a code's keyword feature weighs `keywordWeight` × √(distinct keywords of that code matched).
    @inline(__always)
    static func forEachFeature(
        of report: NormalizedReport, keywordCodes: [Int], extractor: FeatureExtractor,
        _ body: (UInt64, FeatureExtractor.Source, Double) -> Void
    ) {
        extractor.forEachDistinct(report) { hash, source in body(hash, source, 1) }
        for feature in extractor.keywordFeatures(keywordCodes) {
            body(feature.hash, .keyword(code: Int32(feature.code)), feature.value)
        }
    }

    /// The same trained model deciding with other thresholds (no retraining: thresholds act only on
    /// the scores); its version differs, since its decisions may.
    public func with(thresholds: DecisionThresholds) -> ReportClassifier {
        var copy = self
        copy.thresholds = thresholds
        copy.modelVersion = Self.version(trainingHash, thresholds)
        return copy
    }

    /// A hash over everything training reads: the corpus, the rules' terms (taxonomy keywords and phrases,
    /// child words, danger rules) and the options.
    static func trainingHash(corpus: [LabelledReport], terms: [String], options: ModelOptions) -> UInt64 {
        var hash = FeatureExtractor.offset
        for report in corpus {
            for text in [report.id, report.description, report.serviceCode, report.priority ?? ""] { hash = mix(hash, text) }
        }
        for term in terms { hash = mix(hash, term) }
        return mix(hash, "\(options)")
    }

    /// `lr-ngram-1.` and 32 bits of a hash over the training and the thresholds: everything that changes a decision.
    static func version(_ trainingHash: UInt64, _ thresholds: DecisionThresholds) -> String {
        "lr-ngram-1." + String(mix(trainingHash, "\(thresholds)") >> 32, radix: 16)
    }

    private static func mix(_ hash: UInt64, _ text: String) -> UInt64 {
        var hash = hash
        for byte in text.utf8 { hash = FeatureExtractor.mix(hash, UInt32(byte)) }
        return FeatureExtractor.mix(hash, 0)
    }
}
