import ArgumentParser
import Classification
import Foundation
import ServiceHosting
import Taxonomy

/// `open137 classify`: the classifier without broker or database. JSON lines `{"id", "description"}` on
/// stdin → JSON lines `{"id", "service_code", "child_friendly", "priority", "confidence"}` on stdout;
/// `--evaluate FILE` scores a labelled file; `--cross-validate K` is the training report on the shipped corpus;
/// `--duplicates-eval` scores the duplicate matcher on its generated set.
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
    @Flag(name: .customLong("duplicates-eval"), help: "Precision and recall of the duplicate matcher on its generated set (Persian, English and Finglish paraphrases; near and far places; same and other codes), per similarity measure and threshold.")
    var duplicatesEval = false
    @Flag(help: "Also print evidence, triage and the triage reason for each report.")
    var explain = false
    @Flag(help: "With --evaluate or --cross-validate: do not list the misclassified reports.")
    var quiet = false

    public init() {}

    public func run() throws {
        if duplicatesEval {
            let taxonomy: Taxonomy
            do {
                taxonomy = try Taxonomy.bundled()
            } catch {
                throw ValidationError("cannot read the taxonomy: \(error)")
            }
            print(DuplicateEvaluation(taxonomy: taxonomy).report())
            return
        }
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
        let bad = try Self.classify(
            lines: AnyIterator { readLine(strippingNewline: true) }, with: classifier, explain: explain,
            output: { print($0) },
            diagnostic: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        if bad > 0 { throw ExitCode(1) }
    }

    /// Classifies JSON lines: one output line per input line that is not blank — the decision, or
    /// `{"line": N, "error": …}` for a line that is not a report object (with a message to `diagnostic`).
    /// Returns how many lines were bad; the command exits 1 when any was.
    public static func classify(
        lines: some Sequence<String>, with classifier: ReportClassifier, explain: Bool = false,
        output: (String) -> Void, diagnostic: (String) -> Void
    ) throws -> Int {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let decoder = JSONDecoder()
        var bad = 0
        for (index, line) in lines.enumerated() {
            let number = index + 1
            guard line.contains(where: { !$0.isWhitespace }) else { continue }
            let input: ClassifyInput
            do {
                input = try decoder.decode(ClassifyInput.self, from: Data(line.utf8))
            } catch {
                bad += 1
                let message = "not a report object {\"id\", \"description\"}"
                diagnostic("line \(number): \(message)")
                output(String(decoding: try encoder.encode(ClassifyFailure(line: number, error: message)), as: UTF8.self))
                continue
            }
            let decision = classifier.classify(input.description, channelServiceCode: input.channelServiceCode)
            output(String(decoding: try encoder.encode(ClassifyOutput(id: input.id, decision: decision, explain: explain)), as: UTF8.self))
        }
        return bad
    }
}
