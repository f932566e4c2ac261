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
    public let thresholds: DecisionThresholds
    /// Identifies the model: the algorithm and a hash of its training data and choices.
    public let modelVersion: String
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
        "فرزند", "فرزندم", "بچم", "بچه ام", "بچه هام", "کودکم", "دانش اموزان", "شاگرد", "مادر و کودک", "زیر ۷ سال", "زیر ۱۲ سال",
        "son", "daughter", "schoolboy", "schoolgirl", "schoolchildren", "children's", "kids'", "infant", "under 6", "under-6s", "minors", "teen", "teenager",
        "bache ha", "bachem", "farzand", "farzandam", "nozad", "khordsal",
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
        var features: [UInt64] = []
        var sources: [FeatureExtractor.Source] = []
        for report in corpus {
            guard let code = codeIndex[report.serviceCode] else {
                throw ClassificationError(code: .unknownServiceCode, message: "report \(report.id) has service code \(report.serviceCode), which the taxonomy does not have")
            }
            let normalized = NormalizedReport(report.description)
            let matches = matcher.matches(in: normalized)
            features.removeAll(keepingCapacity: true)
            sources.removeAll(keepingCapacity: true)
            extractor.extract(normalized, keywordCodes: Self.keywordCodes(matches, roles), into: &features, sources: &sources)
            let priority = report.priority.flatMap(Priority.init(rawValue:)).map { Priority.allCases.firstIndex(of: $0)! }
            examples.append(LogisticTables.Example(
                features: Self.weighted(features, sources, options: options),
                classes: [code, isChildCode[code] ? 1 : 0, priority]))
        }
        tables = LogisticTables(heads: [codes.count, 2, Priority.allCases.count], examples: examples, options: options)
        trainingSize = corpus.count
        modelVersion = Self.version(corpus: corpus, options: options, thresholds: thresholds)
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
        var terms: Set<Int> = []
        for match in matches {
            if case .keyword(let code) = roles[match.term], terms.insert(match.term).inserted { codes.append(code) }
        }
        return codes
    }

    /// The unique features of one report with their weights: a text feature weighs 1 however often it
    /// occurs; a code's keyword feature weighs `keywordWeight` × √(distinct keywords of that code matched).
    static func weighted(_ features: [UInt64], _ sources: [FeatureExtractor.Source], options: ModelOptions) -> [(hash: UInt64, weight: Float)] {
        var result: [(hash: UInt64, weight: Float)] = []
        result.reserveCapacity(features.count)
        var seen = Set<UInt64>(minimumCapacity: features.count)
        var keywordCounts: [UInt64: Int] = [:]
        for (index, hash) in features.enumerated() {
            if case .keyword = sources[index] {
                keywordCounts[hash, default: 0] += 1
                continue
            }
            guard seen.insert(hash).inserted else { continue }
            result.append((hash, 1))
        }
        for (hash, count) in keywordCounts.sorted(by: { $0.key < $1.key }) {
            result.append((hash, Float(keywordValue(count: count, options: options))))
        }
        return result
    }

    /// The weight of a code's keyword feature when `count` distinct keywords of it matched.
    static func keywordValue(count: Int, options: ModelOptions) -> Double {
        Double(options.keywordWeight) * Double(count).squareRoot()
    }

    static func version(corpus: [LabelledReport], options: ModelOptions, thresholds: DecisionThresholds) -> String {
        var hash = FeatureExtractor.offset
        func add(_ text: String) {
            for byte in text.utf8 { hash = FeatureExtractor.mix(hash, UInt32(byte)) }
            hash = FeatureExtractor.mix(hash, 0)
        }
        for report in corpus {
            add(report.id); add(report.description); add(report.serviceCode); add(report.priority ?? "")
        }
        add("\(options)"); add("\(thresholds)")
        return "lr-ngram-1." + String(hash >> 32, radix: 16)
    }
}
