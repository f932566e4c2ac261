import Foundation

extension ClassificationEvaluation {
    /// The evaluation as text for a person: summary, per-code table, confusion matrix, and (optionally)
    /// the misclassified reports.
    public func report(listErrors: Bool = true) -> String {
        var lines: [String] = []
        func number(_ value: Double) -> String { String(format: "%.3f", value) }
        lines.append("reports: \(outcomes.count)")
        lines.append("service-code accuracy: \(number(accuracy))")
        lines.append("child flag: precision \(number(childPrecision)), recall \(number(childRecall))")
        lines.append("priority accuracy: \(number(priorityAccuracy)) (P0 recall \(number(p0Recall)), P0 precision \(number(p0Precision)))")
        lines.append("triage: \(number(triageRate)) of reports")
        lines.append("")
        lines.append("code            support  precision  recall     F1")
        for score in codeScores {
            lines.append(pad(score.code, 16) + pad(String(score.support), 9) + pad(number(score.precision), 11)
                + pad(number(score.recall), 11) + number(score.f1))
        }
        lines.append("")
        lines.append("confusion matrix (rows: expected, columns: decided)")
        let short = codes.map { String($0.replacingOccurrences(of: "CFC-", with: "C-").prefix(6)) }
        lines.append(pad("", 14) + short.map { padLeft($0, 7) }.joined())
        for (row, counts) in confusionMatrix.enumerated() {
            lines.append(pad(codes[row], 14) + counts.map { padLeft($0 == 0 ? "." : String($0), 7) }.joined())
        }
        if listErrors, !errors.isEmpty {
            lines.append("")
            lines.append("misclassified (id: expected → decided):")
            for error in errors {
                lines.append("  \(error.id): \(error.expected) → \(error.predicted)\(error.triage ? " [triage]" : "")  \(error.description.prefix(110))")
            }
        }
        if listErrors, !missedP0.isEmpty || !falseP0.isEmpty {
            lines.append("")
            lines.append("priority P0 missed (id: decided):")
            for miss in missedP0 { lines.append("  \(miss.id): \(miss.predictedPriority)  \(miss.description.prefix(110))") }
            lines.append("decided P0 but labelled otherwise (id: label):")
            for extra in falseP0 { lines.append("  \(extra.id): \(extra.expectedPriority ?? "-")  \(extra.description.prefix(110))") }
        }
        return lines.joined(separator: "\n")
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    private func padLeft(_ text: String, _ width: Int) -> String {
        text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
    }
}
