import Contracts
import Foundation
import JSON
import Testing

/// The hand-written event writers must produce exactly what `JSONEncoder` (sorted keys, slashes
/// unescaped) produces, or consumers and the audit chain would see two spellings of one event.
@Suite("Hand-written event JSON")
struct JSONWritableTests {
    static func encoderBytes(_ event: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(event))
    }

    static let fullDelivery = ReportAssignedData(
        reportID: "8d1f6c1e-58b4-4c55-9a0e-3f3f6f1a2b3c", trackingCode: "4000000017", serviceCode: "CFC-PLAY", childFriendly: true,
        priority: "P0", unit: "parks", deadline: "2026-11-30T10:00:00Z", district: "05",
        location: ReportLocation(lat: 35.7219, long: 51.3347, address: "خیابان ولیعصر / کوچه \"یاس\"", district: 5),
        description: "تاب زمین بازی شکسته است\nو بچه‌ها سوار می‌شوند — a/b \\ tab\there",
        attributes: ["park_name": .string("پارک لاله"), "hazard_count": .number(3), "depth_cm": .number(12.5),
                     "flags": .array([.bool(true), .null, .object(["b": .number(1), "a": .string("x")])])],
        mediaURLs: ["https://example.org/a/b.jpg"], reporter: ReporterProfile(type: "child", language: "fa", ageBand: "7-12", notify: false),
        contact: ReporterContact(name: "Sara", phone: "+989121234567", email: "s@example.org"), assignment: 2,
        receivedAt: "2026-11-29T09:58:01.123Z")

    @Test("report.assigned with every optional part: the same bytes as JSONEncoder")
    func assignedFull() throws {
        let event = EncodedEvent(
            id: "8d1f6c1e.a2", source: "open137/router", type: "report.assigned", time: Date(timeIntervalSince1970: 1_790_000_000),
            subject: Self.fullDelivery.reportID, data: Self.fullDelivery, correlationID: "c-1")
        let written = try event.encoded()
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: try Self.encoderBytes(event), as: UTF8.self))
        // And it parses back to the same payload.
        let decoded = try JSONDecoder().decode(CloudEventProbe<ReportAssignedData>.self, from: Data(written))
        #expect(decoded.data == Self.fullDelivery)
    }

    @Test("report.assigned without contact, location or subject: absent parts are left out, as JSONEncoder does")
    func assignedSparse() throws {
        var delivery = Self.fullDelivery
        delivery.contact = nil
        delivery.location = ReportLocation(lat: 35.0, long: 51.0)
        delivery.attributes = [:]
        delivery.mediaURLs = []
        delivery.reporter = ReporterProfile(type: nil, language: nil, ageBand: nil)
        let event = EncodedEvent(
            id: "x.a1", source: "open137/router", type: "report.assigned", time: Date(timeIntervalSince1970: 0),
            subject: nil, data: delivery, correlationID: nil)
        let written = String(decoding: try event.encoded(), as: UTF8.self)
        #expect(written == String(decoding: try Self.encoderBytes(event), as: UTF8.self))
        #expect(!written.contains("contact"))
    }

    @Test("report.routed, with and without a reporter type")
    func routed() throws {
        for reporterType in ["parent", nil] as [String?] {
            let data = ReportRoutedData(
                reportID: "r", trackingCode: "4000000017", serviceCode: "ROAD", childFriendly: false, priority: "P2", unit: "roads",
                district: "00", deadline: "2026-12-01T00:00:00Z", channel: "137-phone", reporterType: reporterType,
                receivedAt: "2026-11-29T09:58:01Z", triage: true)
            let event = EncodedEvent(
                id: "r.routed", source: "open137/router", type: "report.routed", time: Date(timeIntervalSince1970: 1_790_000_000),
                subject: "r", data: data, correlationID: "r")
            #expect(String(decoding: try event.encoded(), as: UTF8.self) == String(decoding: try Self.encoderBytes(event), as: UTF8.self))
        }
    }

    @Test("report.received, full and sparse: the same bytes as JSONEncoder, and read back by ReportReceivedData(json:)")
    func received() throws {
        let full = Self.fullDelivery
        var reports = [ReportReceivedData(
            reportID: full.reportID, trackingCode: full.trackingCode, channel: "137-phone", description: full.description,
            serviceCode: "CFC-PLAY", attributes: full.attributes, location: full.location, reporter: full.reporter,
            contact: full.contact, contactAllowed: true, mediaURLs: full.mediaURLs, receivedAt: full.receivedAt)]
        var sparse = reports[0]
        sparse.serviceCode = nil
        sparse.location = nil
        sparse.contact = nil
        sparse.attributes = [:]
        sparse.mediaURLs = []
        sparse.contactAllowed = false
        sparse.reporter = ReporterProfile()
        reports.append(sparse)
        for report in reports {
            let event = EncodedEvent(
                id: "e1", source: "/open137/intake", type: "report.received", time: Date(timeIntervalSince1970: 1_790_000_000),
                subject: report.reportID, data: report, correlationID: report.reportID)
            let written = try event.encoded()
            #expect(String(decoding: written, as: UTF8.self) == String(decoding: try Self.encoderBytes(event), as: UTF8.self))
            let parsed = try JSONValue.parse(written)
            #expect(ReportReceivedData(json: try #require(parsed["data"])) == report)
        }
    }

    @Test("JSONValue: keys in byte order, whole numbers without a fraction, escapes JSON requires")
    func values() {
        var json = JSONText()
        json.value(.object(["b": .number(2), "a": .array([.number(1.5), .number(-3), .string("\"\\\n\u{1}")]), "ä": .null]))
        #expect(json.text == #"{"a":[1.5,-3,"\"\\\n\u0001"],"b":2,"ä":null}"#)
    }
}

/// Just enough of a CloudEvent to read the data back.
private struct CloudEventProbe<Payload: Decodable>: Decodable {
    let data: Payload
}
