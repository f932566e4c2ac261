import BrokerTopology
@testable import ClassifierService
import Contracts
import Foundation
import JSON
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceHosting
import ServiceLifecycle
import Stages
import Testing
import TestSupport


/// The hand-written event body: read and written byte for byte as the Codable forms are.
extension ClassifierServiceTests {
    // MARK: - The event body

    /// `value` with the member at `path` set to `member` (or removed when nil).
    static func setting(_ value: JSONValue, _ path: [String], _ member: JSONValue?) -> JSONValue {
        guard let key = path.first, case .object(var object) = value else { return value }
        if path.count == 1 { object[key] = member } else { object[key] = setting(object[key] ?? .object([:]), Array(path.dropFirst()), member) }
        return .object(object)
    }

    @Test("ReportReceivedData(json:) reads what its Decodable conformance (CloudEvent.payload(as:)) reads, and refuses what it refuses")
    func readsReceivedDataAsDecodableDoes() throws {
        let (event, _) = try received("چراغ خیابان ما خاموشه", channelCode: "LIGHT")
        var full = event.data
        for (path, member) in [
            (["contact"], JSONValue.object(["name": .string("مریم"), "phone": .string("+989121234567")])),
            (["reporter", "notify"], .bool(false)), (["reporter", "age_band"], .string("6-11")),
            (["attributes"], .object(["count": .number(3), "none": .null, "nested": .object(["a": .array([.bool(true)])])])),
            (["media_urls"], .array([.string("https://example.org/a.jpg")])), (["location", "address"], .string("خیابان ولیعصر")),
            (["unknown"], .string("ignored")),
        ] as [([String], JSONValue)] { full = Self.setting(full, path, member) }
        var cases: [(String, JSONValue)] = [("as intake writes it", event.data), ("every part", full)]
        for key in ["report_id", "tracking_code", "channel", "description", "attributes", "reporter", "contact_allowed", "media_urls", "received_at"] {
            cases.append(("\(key) missing", Self.setting(full, [key], nil)))
            cases.append(("\(key) null", Self.setting(full, [key], .null)))
        }
        let variants: [([String], JSONValue?)] = [
            (["report_id"], .number(7)), (["contact_allowed"], .string("true")), (["media_urls"], .array([.string("a"), .number(1)])),
            (["media_urls"], .string("a")), (["attributes"], .array([])), (["reporter"], .string("parent")), (["description"], .bool(true)),
            (["service_code"], .null), (["service_code"], nil), (["service_code"], .number(1)),
            (["location"], .null), (["location"], nil), (["location"], .string("here")), (["location"], .object([:])),
            (["location", "lat"], .string("35.7")), (["location", "lat"], .null), (["location", "district"], .number(6.5)),
            (["location", "district"], .number(6)), (["location", "district"], .number(-3)), (["location", "district"], .string("6")),
            (["location", "address"], .number(1)),
            (["contact"], .null), (["contact"], .object([:])), (["contact", "phone"], .number(5)), (["contact"], .string("me")),
            (["reporter", "notify"], .string("no")), (["reporter", "notify"], .null), (["reporter", "notify"], .bool(true)),
            (["reporter", "age_band"], .number(7)), (["reporter", "type"], .null),
        ]
        for (path, member) in variants {
            cases.append(("\(path.joined(separator: ".")) = \(member.map { "\($0)" } ?? "absent")", Self.setting(full, path, member)))
        }
        cases.append(("data an array", .array([full])))
        cases.append(("data a string", .string("report")))
        var accepted = 0
        for (name, data) in cases {
            var carrying = event
            carrying.data = data
            let decodable = try? carrying.payload(as: ReportReceivedData.self)
            #expect(ReportReceivedData(json: data) == decodable, "\(name)")
            if decodable != nil { accepted += 1 }
        }
        #expect(accepted >= 10 && accepted < cases.count, "the table tries both kinds: \(accepted) of \(cases.count) decodable")
    }

    /// `value` changed by `change`.
    func with<T>(_ value: T, _ change: (inout T) -> Void) -> T {
        var value = value
        change(&value)
        return value
    }

    @Test("the hand-written report.classified is byte for byte what CloudEvent(payload: ReportClassifiedData(…)).encoded() writes")
    func handWrittenEventMatchesCloudEvent() throws {
        let full = ReportReceivedData(
            reportID: UUID().uuidString.lowercased(), trackingCode: "1370000042", channel: "137-phone",
            description: "a \"quoted\" swing / slide,\ta back\\slash, a new\nline, a \u{1} and تاب شکسته 🛝",
            serviceCode: "GREEN",
            attributes: ["count": .number(3), "ratio": .number(0.25), "z": .bool(true), "a": .null, "nested": .object(["b": .array([.string("x/y"), .number(-1.5)])])],
            location: ReportLocation(lat: 35.6892, long: 51.389, address: "خیابان ولیعصر، کوچه ۳", district: 12),
            reporter: ReporterProfile(type: "child", language: "fa", ageBand: "6-11", notify: false),
            contact: ReporterContact(name: "مریم", phone: "+989121234567", email: "m@example.org"), contactAllowed: true,
            mediaURLs: ["https://example.org/a/b.jpg", "https://example.org/c?d=e&f=g"], receivedAt: CloudEvent.formatTime(Date()))
        let bare = ReportReceivedData(
            reportID: UUID().uuidString.lowercased(), trackingCode: "1370000043", channel: "web", description: "چراغ خاموشه",
            serviceCode: nil, attributes: [:], location: nil, reporter: ReporterProfile(), contact: nil, contactAllowed: false,
            mediaURLs: [], receivedAt: CloudEvent.formatTime(Date()))
        let decided = ReportClassification(
            serviceCode: "CFC-PLAY", channelServiceCode: "GREEN", childFriendly: true, priority: "P0", confidence: 0.8312345678901234,
            evidence: ["danger rule \"شکسته\"", "term: تاب"], triage: true, triageReason: "confident disagreement with GREEN",
            modelVersion: "lr-ngram-1.abc")
        let unsure = ReportClassification(
            serviceCode: "OTHER", channelServiceCode: nil, childFriendly: false, priority: "P2", confidence: 1,
            evidence: [], triage: false, triageReason: nil, modelVersion: "lr-ngram-1.abc")
        let cases: [(ReportReceivedData, ReportClassification, String?, String?)] = [
            (full, decided, "journey-1", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            (bare, unsure, nil, nil), (full, unsure, "journey-2", nil), (bare, decided, nil, "00-trace"),
            (with(bare) { $0.reporter = ReporterProfile(language: "en", notify: true) }, decided, "journey-3", nil),
        ]
        for (report, classification, correlationID, traceparent) in cases {
            let written = EncodedEvent(
                source: ServiceName.classifier.eventSource, type: EventType.reportClassified, time: Date(), subject: report.reportID,
                data: ReportClassifiedData(report: report, classification: classification),
                correlationID: correlationID, traceparent: traceparent)
            var expected = try CloudEvent(
                source: ServiceName.classifier.eventSource, type: EventType.reportClassified, subject: report.reportID,
                payload: ReportClassifiedData(report: report, classification: classification), correlationID: correlationID,
                traceparent: traceparent)
            expected.id = written.id
            expected.time = written.time
            let bytes = try written.encoded()
            #expect(String(decoding: bytes, as: UTF8.self) == String(decoding: try expected.encoded(), as: UTF8.self))
            #expect(try CloudEvent.decode(bytes) == expected)
        }
    }
}
