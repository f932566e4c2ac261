import Foundation
import Taxonomy

/// The ``DuplicateMatcher`` scored on a ``DuplicateEvaluationSet``: every pair of reports, the earlier as
/// the open report and the later as the new one, against the truth (the same site). Precision is how many
/// of the pairs it links are the same hazard; recall how many same-hazard pairs it links.
public struct DuplicateEvaluation: Sendable {
    /// Counts at one threshold of one measure.
    public struct Score: Sendable, Equatable {
        /// The similarity measure.
        public var measure: DescriptionSimilarity.Measure
        /// The threshold.
        public var threshold: Double
        /// Pairs linked that are the same hazard.
        public var truePositives = 0
        /// Pairs linked that are not.
        public var falsePositives = 0
        /// Same-hazard pairs not linked.
        public var falseNegatives = 0

        /// TP / (TP + FP); 1 when nothing was linked.
        public var precision: Double { truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives) }
        /// TP / (TP + FN).
        public var recall: Double { truePositives + falseNegatives == 0 ? 1 : Double(truePositives) / Double(truePositives + falseNegatives) }
        /// Their harmonic mean.
        public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
    }

    /// The set scored.
    public let set: DuplicateEvaluationSet
    /// Radii and groups.
    public let taxonomy: Taxonomy

    /// An evaluation of `set` with `taxonomy`'s radii.
    public init(set: DuplicateEvaluationSet = DuplicateEvaluationSet(), taxonomy: Taxonomy) {
        self.set = set
        self.taxonomy = taxonomy
    }

    /// The scores of `measure` at each of `thresholds` (one pass over the pairs).
    public func scores(_ measure: DescriptionSimilarity.Measure, thresholds: [Double]) -> [Score] {
        var scores = thresholds.map { Score(measure: measure, threshold: $0) }
        // Everything but the threshold decided once per pair, with the lowest threshold.
        let matcher = DuplicateMatcher(taxonomy: taxonomy, similarity: DescriptionSimilarity(measure: measure), threshold: 0)
        let reports = set.reports
        for i in reports.indices {
            for j in reports.indices where j > i {
                let (earlier, later) = reports[i].candidate.receivedAt <= reports[j].candidate.receivedAt ? (reports[i], reports[j]) : (reports[j], reports[i])
                let same = earlier.site == later.site
                var similarity: Double?
                if case .duplicate(let score, _) = matcher.decide(earlier: earlier.candidate, later: later.candidate) { similarity = score }
                for index in scores.indices {
                    let linked = similarity.map { $0 >= scores[index].threshold } ?? false
                    switch (linked, same) {
                    case (true, true): scores[index].truePositives += 1
                    case (true, false): scores[index].falsePositives += 1
                    case (false, true): scores[index].falseNegatives += 1
                    case (false, false): break
                    }
                }
            }
        }
        return scores
    }

    /// Why the same-hazard pairs were not linked by the matcher: the count of each decision.
    public func missedSameHazard() -> [String: Int] {
        let matcher = DuplicateMatcher(taxonomy: taxonomy)
        var counts: [String: Int] = [:]
        let reports = set.reports
        for i in reports.indices {
            for j in reports.indices where j > i && reports[i].site == reports[j].site {
                let (earlier, later) = reports[i].candidate.receivedAt <= reports[j].candidate.receivedAt ? (reports[i], reports[j]) : (reports[j], reports[i])
                let reason: String
                switch matcher.decide(earlier: earlier.candidate, later: later.candidate) {
                case .duplicate: continue
                case .otherService: reason = "other service code"
                case .elsewhere: reason = "past the radius, or no common place (point vs. address)"
                case .outsideWindow: reason = "outside the window"
                case .otherDescription: reason = "descriptions below the threshold"
                }
                counts[reason, default: 0] += 1
            }
        }
        return counts
    }

    /// The thresholds the report sweeps: 0.05 to 0.80 in steps of 0.05.
    public static let sweep = stride(from: 0.05, through: 0.801, by: 0.05).map { ($0 * 100).rounded() / 100 }

    /// The report `open137 classify --duplicates-eval` prints: the set, each measure's sweep, and the
    /// matcher's own score at its threshold.
    public func report() -> String {
        var lines: [String] = []
        let positives = scores(.combined, thresholds: [0]).first.map { $0.truePositives + $0.falseNegatives } ?? 0
        lines.append("duplicate matcher on the generated set: \(set.reports.count) reports, \(set.pairCount) pairs, \(positives) of them the same hazard")
        lines.append("(codes same or both child-friendly, radius per code, \(Taxonomy.duplicateWindowDays)-day window; pairs failing those never link)")
        for measure in DescriptionSimilarity.Measure.allCases {
            lines.append("")
            lines.append("\(measure.rawValue): threshold  precision  recall  F1")
            for score in scores(measure, thresholds: Self.sweep) {
                lines.append(String(format: "  %.2f  %.3f  %.3f  %.3f  (TP %ld, FP %ld, FN %ld)", score.threshold, score.precision, score.recall, score.f1,
                                    score.truePositives, score.falsePositives, score.falseNegatives))
            }
        }
        let chosen = scores(.combined, thresholds: [DuplicateMatcher.defaultThreshold])[0]
        lines.append("")
        lines.append(String(format: "the matcher (combined, threshold %.2f): precision %.3f, recall %.3f, F1 %.3f", chosen.threshold, chosen.precision, chosen.recall, chosen.f1))
        lines.append("same-hazard pairs it misses, by reason:")
        for (reason, count) in missedSameHazard().sorted(by: { $0.value > $1.value }) { lines.append("  \(count)  \(reason)") }
        return lines.joined(separator: "\n")
    }
}
