import Taxonomy

/// Stratified k-fold cross-validation: the corpus is split into k folds with each code spread evenly
/// (shuffled with a fixed seed, so runs agree), a classifier is trained on k−1 folds and decides the
/// held-out one; no number is measured on training data.
public struct CrossValidation: Sendable {
    /// Number of folds.
    public var folds: Int
    /// Seed of the shuffle.
    public var seed: UInt64

    /// Creates a cross-validation with `folds` folds (at least 2).
    public init(folds: Int = 10, seed: UInt64 = 137) {
        self.folds = max(2, folds)
        self.seed = seed
    }

    /// The fold of each report, stratified by service code.
    public func assignFolds(_ corpus: [LabelledReport]) -> [Int] {
        var generator = SplitMix64(seed: seed)
        var byCode: [String: [Int]] = [:]
        for (index, report) in corpus.enumerated() { byCode[report.serviceCode, default: []].append(index) }
        var fold = [Int](repeating: 0, count: corpus.count)
        var next = 0
        for code in byCode.keys.sorted() {
            var members = byCode[code]!
            members.shuffle(using: &generator)
            for index in members {
                fold[index] = next % folds
                next += 1
            }
        }
        return fold
    }

    /// Trains on k−1 folds, decides the held-out fold, k times; the outcomes cover every report once.
    public func run(
        corpus: [LabelledReport], taxonomy: Taxonomy, options: ModelOptions = .standard,
        thresholds: DecisionThresholds = .standard
    ) throws(ClassificationError) -> ClassificationEvaluation {
        let fold = assignFolds(corpus)
        var outcomes = [ClassificationEvaluation.Outcome?](repeating: nil, count: corpus.count)
        for held in 0..<folds {
            let training = corpus.indices.filter { fold[$0] != held }.map { corpus[$0] }
            let classifier = try ReportClassifier(taxonomy: taxonomy, corpus: training, options: options, thresholds: thresholds)
            for index in corpus.indices where fold[index] == held {
                outcomes[index] = classifier.outcome(for: corpus[index])
            }
        }
        return ClassificationEvaluation(outcomes: outcomes.compactMap { $0 }, codes: taxonomy.services.map(\.code))
    }
}

extension ReportClassifier {
    /// Classifies a labelled report (without a channel code) and pairs the decision with its label.
    public func outcome(for report: LabelledReport) -> ClassificationEvaluation.Outcome {
        let decision = classify(report.description)
        return ClassificationEvaluation.Outcome(
            id: report.id, expected: report.serviceCode, predicted: decision.serviceCode,
            expectedChild: taxonomy.service(report.serviceCode)?.isChildFriendly ?? false,
            predictedChild: decision.childFriendly, expectedPriority: report.priority,
            predictedPriority: decision.priority.rawValue, triage: decision.triage, description: report.description)
    }

    /// Decides every report of `corpus` and evaluates the decisions against their labels.
    public func evaluate(_ corpus: [LabelledReport]) -> ClassificationEvaluation {
        ClassificationEvaluation(outcomes: corpus.map(outcome(for:)), codes: taxonomy.services.map(\.code))
    }
}
