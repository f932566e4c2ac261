import ArgumentParser
import Classification
import Foundation
import Taxonomy

/// `open137 classify`: the classifier without broker or database. JSON lines `{"id", "description"}` on
/// stdin → JSON lines `{"id", "service_code", "child_friendly", "priority", "confidence"}` on stdout;
/// `--evaluate FILE` scores a labelled file; `--cross-validate K` is the training report on the shipped corpus.
public struct ClassifyCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify JSON-lines reports from stdin, evaluate a labelled file, or cross-validate the shipped corpus.",
        discussion: """
        Input lines: {"id": …, "description": …} and optionally "channel_service_code". A line that is not \
        such an object gets {"line": N, "error": …} in its place (and a message on stderr); the command \
        then exits 1 after the last line.
        """
    )

    @Option(name: .customLong("evaluate"), help: "A JSON-lines file with description and the expected service_code: per-code precision/recall/F1, child flag, accuracy, confusion matrix.")
    var evaluateFile: String?
    @Option(name: .customLong("cross-validate"), help: "Stratified k-fold cross-validation of the shipped corpus with K folds (10 is the training report).")
    var folds: Int?
    @Flag(help: "Also print evidence, triage and the triage reason for each report.")
    var explain = false
    @Flag(help: "With --evaluate or --cross-validate: do not list the misclassified reports.")
    var quiet = false

    public init() {}

    public func run() throws {
        let classifier: ReportClassifier
        do {
            classifier = try ReportClassifier.bundled()
        } catch {
            throw ValidationError("cannot build the classifier: \(error)")
        }
        if let folds {
            let clock = ContinuousClock()
            var evaluation: ClassificationEvaluation?
            let elapsed = try clock.measure {
                evaluation = try CrossValidation(folds: folds).run(corpus: LabelledCorpus.bundled(), taxonomy: classifier.taxonomy)
            }
            print("\(folds)-fold stratified cross-validation of the shipped corpus (model \(classifier.modelVersion), \(String(format: "%.1f", elapsed.seconds)) s)")
            print(evaluation!.report(listErrors: !quiet))
            return
        }
        if let evaluateFile {
            let corpus: [LabelledReport]
            do {
                corpus = try LabelledCorpus.load(from: URL(fileURLWithPath: evaluateFile))
            } catch {
                throw ValidationError("\(error)")
            }
            print("evaluation of \(evaluateFile) with the model trained on the shipped corpus (\(classifier.modelVersion))")
            print(classifier.evaluate(corpus).report(listErrors: !quiet))
            return
        }
        if try classifyLines(classifier) > 0 { throw ExitCode(1) }
    }

    /// Classifies stdin line by line; returns how many lines were bad.
    func classifyLines(_ classifier: ReportClassifier) throws -> Int {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bad = 0
        var number = 0
        while let line = readLine(strippingNewline: true) {
            number += 1
            guard line.contains(where: { !$0.isWhitespace }) else { continue }
            let input: ClassifyInput
            do {
                input = try JSONDecoder().decode(ClassifyInput.self, from: Data(line.utf8))
            } catch {
                bad += 1
                FileHandle.standardError.write(Data("line \(number): not a report object {\"id\", \"description\"}\n".utf8))
                let failure = ClassifyFailure(line: number, error: "not a report object {\"id\", \"description\"}")
                print(String(decoding: try encoder.encode(failure), as: UTF8.self))
                continue
            }
            let decision = classifier.classify(input.description, channelServiceCode: input.channelServiceCode)
            let output = ClassifyOutput(id: input.id, decision: decision, explain: explain)
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
        }
        return bad
    }
}
