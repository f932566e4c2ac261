import Foundation

/// The labelled reports the model learns from: the shipped `Corpus/*.jsonl` files or any JSON-lines file.
public enum LabelledCorpus {
    /// The corpus files that ship in the bundle, in a fixed order.
    public static let bundledFiles = ["child-friendly.jsonl", "general.jsonl"]

    /// Every labelled report of the shipped corpus; a missing or malformed file names itself.
    public static func bundled() throws(ClassificationError) -> [LabelledReport] {
        var reports: [LabelledReport] = []
        for file in bundledFiles {
            let name = (file as NSString).deletingPathExtension
            guard let url = Bundle.module.url(forResource: name, withExtension: "jsonl", subdirectory: "Corpus") else {
                throw ClassificationError(code: .unreadable, message: "Corpus/\(file) is missing from the bundle")
            }
            reports += try load(from: url)
        }
        return reports
    }

    /// Reads a JSON-lines file of labelled reports; blank lines are skipped.
    public static func load(from url: URL) throws(ClassificationError) -> [LabelledReport] {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ClassificationError(code: .unreadable, message: "cannot read \(url.path)")
        }
        return try parse(text, file: url.lastPathComponent)
    }

    /// Parses JSON-lines text; the error names `file` and the 1-based line.
    public static func parse(_ text: String, file: String) throws(ClassificationError) -> [LabelledReport] {
        var reports: [LabelledReport] = []
        let decoder = JSONDecoder()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard line.contains(where: { !$0.isWhitespace }) else { continue }
            do {
                reports.append(try decoder.decode(LabelledReport.self, from: Data(line.utf8)))
            } catch {
                throw ClassificationError(code: .malformedLine, message: "\(file) line \(index + 1) is not a labelled report (id, description, service_code)")
            }
        }
        return reports
    }
}
