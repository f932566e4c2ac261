import Foundation

/// How well decisions match labels: per-code precision, recall and F1, the child flag's precision and
/// recall, accuracy, priority accuracy, the confusion matrix and the misclassified reports.
public struct ClassificationEvaluation: Sendable {
    /// One labelled report and what the classifier said.
    public struct Outcome: Sendable, Hashable {
        /// The report's id.
        public var id: String
        /// The expected code.
        public var expected: String
        /// The decided code.
        public var predicted: String
        /// Whether the expected code is a child code.
        public var expectedChild: Bool
        /// The decided child flag.
        public var predictedChild: Bool
        /// The expected priority, when labelled.
        public var expectedPriority: String?
        /// The decided priority.
        public var predictedPriority: String
        /// Whether the decision was flagged for triage.
        public var triage: Bool
        /// The description (for the list of errors).
        public var description: String
    }

    /// Precision, recall and F1 of one code.
    public struct CodeScore: Sendable, Hashable {
        /// The code.
        public var code: String
        /// Reports with this expected code.
        public var support: Int
        /// Of those decided as this code, the share that were.
        public var precision: Double
        /// Of those that were this code, the share decided so.
        public var recall: Double
        /// Harmonic mean of precision and recall.
        public var f1: Double
    }

    /// Every outcome, in input order.
    public let outcomes: [Outcome]
    /// The codes in the matrix's order.
    public let codes: [String]

    /// An evaluation of `outcomes`; `codes` orders the matrix (codes seen but not listed are appended).
    public init(outcomes: [Outcome], codes: [String]) {
        self.outcomes = outcomes
        var all = codes
        for outcome in outcomes {
            for code in [outcome.expected, outcome.predicted] where !all.contains(code) { all.append(code) }
        }
        self.codes = all
    }

    /// Share of reports whose code was right.
    public var accuracy: Double {
        ratio(outcomes.filter { $0.expected == $0.predicted }.count, outcomes.count)
    }

    /// Of the reports flagged child-friendly, the share that were.
    public var childPrecision: Double {
        ratio(outcomes.filter { $0.predictedChild && $0.expectedChild }.count, outcomes.filter(\.predictedChild).count)
    }

    /// Of the child reports, the share flagged.
    public var childRecall: Double {
        ratio(outcomes.filter { $0.predictedChild && $0.expectedChild }.count, outcomes.filter(\.expectedChild).count)
    }

    /// Share of priority-labelled reports whose priority was right.
    public var priorityAccuracy: Double {
        let labelled = outcomes.filter { $0.expectedPriority != nil }
        return ratio(labelled.filter { $0.expectedPriority == $0.predictedPriority }.count, labelled.count)
    }

    /// Recall of `P0`: of the reports labelled P0, the share decided P0.
    public var p0Recall: Double {
        let p0 = outcomes.filter { $0.expectedPriority == "P0" }
        return ratio(p0.filter { $0.predictedPriority == "P0" }.count, p0.count)
    }

    /// Precision of `P0`: of the reports decided P0 (among those with a priority label), the share labelled P0.
    public var p0Precision: Double {
        let decided = outcomes.filter { $0.expectedPriority != nil && $0.predictedPriority == "P0" }
        return ratio(decided.filter { $0.expectedPriority == "P0" }.count, decided.count)
    }

    /// The reports labelled P0 that were decided otherwise (a danger the rules or the model missed).
    public var missedP0: [Outcome] {
        outcomes.filter { $0.expectedPriority == "P0" && $0.predictedPriority != "P0" }
    }

    /// The reports decided P0 whose label is P1 or P2.
    public var falseP0: [Outcome] {
        outcomes.filter { $0.expectedPriority != nil && $0.expectedPriority != "P0" && $0.predictedPriority == "P0" }
    }

    /// Share of reports flagged for triage.
    public var triageRate: Double { ratio(outcomes.filter(\.triage).count, outcomes.count) }

    /// Precision, recall and F1 per code (codes with neither support nor predictions are left out).
    public var codeScores: [CodeScore] {
        codes.compactMap { code in
            let truePositives = outcomes.filter { $0.expected == code && $0.predicted == code }.count
            let support = outcomes.filter { $0.expected == code }.count
            let predicted = outcomes.filter { $0.predicted == code }.count
            guard support + predicted > 0 else { return nil }
            let precision = ratio(truePositives, predicted)
            let recall = ratio(truePositives, support)
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            return CodeScore(code: code, support: support, precision: precision, recall: recall, f1: f1)
        }
    }

    /// `matrix[expected][predicted]` counts, in `codes` order.
    public var confusionMatrix: [[Int]] {
        let index = Dictionary(uniqueKeysWithValues: codes.enumerated().map { ($1, $0) })
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: codes.count), count: codes.count)
        for outcome in outcomes { matrix[index[outcome.expected]!][index[outcome.predicted]!] += 1 }
        return matrix
    }

    /// The reports whose code or child flag was wrong.
    public var errors: [Outcome] {
        outcomes.filter { $0.expected != $0.predicted || $0.expectedChild != $0.predictedChild }
    }

    private func ratio(_ part: Int, _ whole: Int) -> Double {
        whole == 0 ? 0 : Double(part) / Double(whole)
    }
}
