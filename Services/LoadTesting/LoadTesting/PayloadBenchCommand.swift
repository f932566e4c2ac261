import ArgumentParser
import Contracts
import Foundation
import JSON

/// `open137-load bench payloads`: what the hand-written forms of the hot payloads save over `Codable` —
/// `JSONWritable` against `JSONEncoder`, `init?(json:)` on the parsed event against `JSONDecoder` — for
/// the biggest event a stage reads and writes on every report (`report.classified`, which carries the
/// whole received report). No servers; prints nanoseconds per payload and the ratio.
public struct PayloadBenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "payloads",
        abstract: "Codable against the hand-written JSON forms of report.classified: ns per encode and decode."
    )

    @Option(help: "Payloads per measurement.")
    var iterations = 20_000
    @Option(help: "Measurements of each form, alternating; the best is reported.")
    var rounds = 5

    public init() {}

    public func run() throws {
        let payload = Self.sample()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let codableBytes = Array(try encoder.encode(payload))
        var text = JSONText()
        payload.writeJSON(into: &text)
        // The two writers must agree to the byte, or the comparison measures different work.
        guard text.bytes == codableBytes else { throw ValidationError("JSONWritable and JSONEncoder disagree on the sample") }
        let decoder = JSONDecoder()
        var best = [String: Double]()
        for _ in 0..<rounds {
            best["encode Codable", default: .infinity] = min(best["encode Codable", default: .infinity], try measure { _ = try encoder.encode(payload) })
            best["encode JSONWritable", default: .infinity] = min(best["encode JSONWritable", default: .infinity], try measure {
                var json = JSONText()
                json.reserveCapacity(codableBytes.count)
                payload.writeJSON(into: &json)
            })
            best["decode Codable", default: .infinity] = min(best["decode Codable", default: .infinity], try measure {
                _ = try decoder.decode(ReportClassifiedData.self, from: Data(codableBytes))
            })
            best["decode init?(json:)", default: .infinity] = min(best["decode init?(json:)", default: .infinity], try measure {
                guard ReportClassifiedData(json: try JSONValue.parse(codableBytes)) != nil else { throw ValidationError("the sample did not decode") }
            })
        }
        print("report.classified, \(codableBytes.count) bytes; best of \(rounds) rounds of \(iterations)")
        for name in ["encode Codable", "encode JSONWritable", "decode Codable", "decode init?(json:)"] {
            print(name.padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: "%8.0f ns", best[name]!))
        }
        print(String(format: "encode: JSONWritable is %.1fx faster; decode: init?(json:) is %.1fx faster",
                     best["encode Codable"]! / best["encode JSONWritable"]!, best["decode Codable"]! / best["decode init?(json:)"]!))
    }

    /// Nanoseconds per call of `body`, over `iterations` calls.
    private func measure(_ body: () throws -> Void) throws -> Double {
        let clock = ContinuousClock()
        let elapsed = try clock.measure { for _ in 0..<iterations { try body() } }
        let (seconds, attoseconds) = elapsed.components
        return (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(iterations)
    }

    /// A child report as the classifier passes it on: Persian text, an attribute, a place, a contact.
    static func sample() -> ReportClassifiedData {
        let report = ReportReceivedData(
            reportID: "7d1c2f7e-6a51-4f0b-9d4e-0c2b9f1e8a11", trackingCode: "4829150375", channel: "137-phone",
            description: "تاب پارک لاله شکسته است و بچه‌ها هنوز از آن استفاده می‌کنند؛ لطفاً زودتر رسیدگی کنید",
            serviceCode: "CFC-PLAY", attributes: ["park_name": .string("پارک لاله"), "equipment": .string("swing")],
            location: ReportLocation(lat: 35.7, long: 51.4, address: "خیابان کارگر شمالی", district: 6),
            reporter: ReporterProfile(type: "parent", language: "fa", ageBand: "18+", notify: nil),
            contact: ReporterContact(name: "مریم", phone: "+989121234567", email: nil), contactAllowed: true,
            mediaURLs: ["https://media.example.org/p/1.jpg"], receivedAt: "2026-12-05T09:45:53.120Z")
        let classification = ReportClassification(
            serviceCode: "CFC-PLAY", channelServiceCode: "CFC-PLAY", childFriendly: true, priority: "P0", confidence: 0.97,
            evidence: ["phrase:تاب شکسته", "keyword:پارک"], triage: false, triageReason: nil, modelVersion: "2026-11-20.1")
        return ReportClassifiedData(report: report, classification: classification)
    }
}
