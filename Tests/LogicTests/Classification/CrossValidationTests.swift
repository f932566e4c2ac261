@testable import Classification
import Foundation
import Taxonomy
import Testing

/// Cross-validation: the folds are stratified and repeatable, the scores are computed right, and the
/// shipped model clears the bar on held-out folds.
@Suite("Cross-validation")
struct CrossValidationTests {
    @Test("folds are stratified by code, cover every report once, and are the same on every run")
    func folds() throws {
        let corpus = try LabelledCorpus.bundled()
        let validation = CrossValidation(folds: 5)
        let folds = validation.assignFolds(corpus)
        #expect(folds == validation.assignFolds(corpus))
        #expect(folds.count == corpus.count)
        #expect(Set(folds) == Set(0..<5))
        for code in Set(corpus.map(\.serviceCode)) {
            let counts = Dictionary(grouping: corpus.indices.filter { corpus[$0].serviceCode == code }, by: { folds[$0] }).mapValues(\.count)
            #expect(counts.values.max()! - counts.values.min()! <= 1 || counts.count < 5, "\(code): \(counts)")
        }
    }

    @Test("precision, recall, F1, the child flag and P0 are counted right on a small hand-made set")
    func scores() {
        func outcome(_ expected: String, _ predicted: String, _ expectedPriority: String, _ predictedPriority: String) -> ClassificationEvaluation.Outcome {
            .init(id: "\(expected)-\(predicted)", expected: expected, predicted: predicted,
                  expectedChild: expected.hasPrefix("CFC-"), predictedChild: predicted.hasPrefix("CFC-"),
                  expectedPriority: expectedPriority, predictedPriority: predictedPriority, triage: false, description: "")
        }
        let evaluation = ClassificationEvaluation(outcomes: [
            outcome("CFC-PLAY", "CFC-PLAY", "P0", "P0"),
            outcome("CFC-PLAY", "GREEN", "P0", "P1"),
            outcome("GREEN", "GREEN", "P1", "P1"),
            outcome("GREEN", "CFC-PLAY", "P2", "P0"),
        ], codes: ["CFC-PLAY", "GREEN"])
        #expect(evaluation.accuracy == 0.5)
        #expect(evaluation.childPrecision == 0.5)
        #expect(evaluation.childRecall == 0.5)
        #expect(evaluation.priorityAccuracy == 0.5)
        #expect(evaluation.p0Recall == 0.5)
        #expect(evaluation.p0Precision == 0.5)
        #expect(evaluation.missedP0.map(\.id) == ["CFC-PLAY-GREEN"])
        #expect(evaluation.falseP0.map(\.id) == ["GREEN-CFC-PLAY"])
        let play = evaluation.codeScores.first { $0.code == "CFC-PLAY" }
        #expect(play?.precision == 0.5 && play?.recall == 0.5 && play?.f1 == 0.5)
        #expect(evaluation.confusionMatrix == [[1, 1], [1, 1]])
        #expect(evaluation.report().contains("service-code accuracy: 0.500"))
    }

    /// The bar is on the 10-fold report of `open137 classify --cross-validate 10`; five folds keep
    /// a debug test short and train on less data, so they are a slightly harder test. The margin below the
    /// measured 5-fold numbers is small on purpose: a change that costs quality fails here.
    @Test("5-fold cross-validation of the shipped corpus clears the bar", .timeLimit(.minutes(3)))
    func bar() throws {
        let evaluation = try CrossValidation(folds: 5).run(corpus: LabelledCorpus.bundled(), taxonomy: Taxonomy.bundled())
        #expect(evaluation.outcomes.count >= 600)
        #expect(evaluation.childRecall >= 0.97, "\(evaluation.report(listErrors: false))")
        #expect(evaluation.childPrecision >= 0.95)
        #expect(evaluation.accuracy >= 0.89)
        #expect(evaluation.p0Recall >= 0.92)
        #expect(evaluation.priorityAccuracy >= 0.82)
    }
}
