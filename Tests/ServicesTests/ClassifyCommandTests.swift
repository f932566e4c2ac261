import AdminCommands
import Classification
import Foundation
import JSON
import Testing
import TestSupport

/// `open137 classify`: JSON lines in, JSON lines out, no broker or database; a bad line gets an error
/// line in its place and the command exits 1.
@Suite("open137 classify", .timeLimit(.minutes(2)))
struct ClassifyCommandTests {
    /// Trained once for the suite: training is seconds of CPU in a debug build, and the whole test run shares two cores.
    private static let classifier = Result { () throws -> ReportClassifier in try ReportClassifier.bundled() }

    /// Each output line as a JSON object.
    private func objects(_ lines: [String]) throws -> [[String: JSONValue]] {
        try lines.map { try #require(try JSONDocuments.parse(json: Array($0.utf8)).objectValue, "\($0)") }
    }

    @Test("each input line gets one output line with id, service_code, child_friendly, priority and confidence; a bad line an error line")
    func lines() throws {
        let classifier = try Self.classifier.get()
        var output: [String] = []
        var diagnostics: [String] = []
        let bad = try ClassifyCommand.classify(
            lines: [
                #"{"id": "a-1", "description": "تاب زمین بازی پارک لاله شکسته"}"#,
                "",
                #"{"id": 42, "description": "Streetlight out on Enghelab street", "channel_service_code": "LIGHT"}"#,
                #"{"description": "no id"}"#,
                "not json at all",
            ],
            with: classifier, output: { output.append($0) }, diagnostic: { diagnostics.append($0) })
        #expect(bad == 2)
        let objects = try objects(output)
        #expect(objects.count == 4)  // the blank line is skipped
        #expect(Set(objects[0].keys) == ["id", "service_code", "child_friendly", "priority", "confidence"])
        #expect(objects[0]["id"] == .string("a-1"))
        #expect(objects[0]["service_code"] == .string("CFC-PLAY"))
        #expect(objects[0]["child_friendly"] == .bool(true))
        #expect(objects[1]["id"] == .number(42))
        #expect(objects[1]["service_code"] == .string("LIGHT"))
        #expect(["P0", "P1", "P2"].contains(objects[1]["priority"]?.stringValue ?? ""))
        #expect((0...1).contains(objects[1]["confidence"]?.numberValue ?? -1))
        #expect(objects[2]["line"] == .number(4) && objects[2]["error"]?.stringValue?.isEmpty == false)
        #expect(objects[3]["line"] == .number(5))
        #expect(diagnostics.count == 2 && diagnostics[0].hasPrefix("line 4:"))
    }

    @Test("--explain adds evidence, triage and the triage reason")
    func explain() throws {
        var output: [String] = []
        _ = try ClassifyCommand.classify(
            lines: [#"{"id": 1, "description": "تاب زمین بازی پارک لاله شکسته", "channel_service_code": "ROAD"}"#],
            with: try Self.classifier.get(), explain: true, output: { output.append($0) }, diagnostic: { _ in })
        let object = try #require(try objects(output).first)
        #expect(object["evidence"]?.arrayValue?.isEmpty == false)
        #expect(object["triage"] == .bool(true))
        #expect(object["triage_reason"]?.stringValue?.contains("ROAD") == true)
    }

    /// Runs the built `open137 classify` with `input` on stdin.
    private func run(_ input: String) throws -> (status: Int32, stdout: [String], stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try builtExecutable("open137"))
        process.arguments = ["classify"]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: out, as: UTF8.self).split(separator: "\n").map(String.init)
        return (process.terminationStatus, lines, String(decoding: err, as: UTF8.self))
    }

    @Test("the built binary: valid lines exit 0; a bad line exits 1 after classifying the rest")
    func binary() throws {
        let good = try run(#"{"id": "x", "description": "kart bilit daneshamouzi pesaram kar nemikone"}"# + "\n" + #"{"id": "y", "description": "چاله بزرگ وسط خیابان"}"# + "\n")
        #expect(good.status == 0, "\(good.stderr)")
        let decisions = try objects(good.stdout)
        #expect(decisions.map { $0["service_code"]?.stringValue } == ["CFC-TRANSPORT", "ROAD"])

        let mixed = try run(#"{"id": "x", "description": "چاله بزرگ وسط خیابان"}"# + "\n{broken\n" + #"{"id": "z", "description": "سگ ولگرد"}"# + "\n")
        #expect(mixed.status == 1)
        let results = try objects(mixed.stdout)
        #expect(results.count == 3)
        #expect(results[1]["line"] == .number(2))
        #expect(results[2]["id"] == .string("z"))
        #expect(mixed.stderr.contains("line 2"))
    }
}
