import Contracts
import Foundation
import JSON

/// Real, contract-valid payloads of every event type, for tests that need an event of some type.
public enum SampleEventData {
    /// Valid data of `type` for report `reportID` (a minimal object for types the contract leaves open).
    public static func data(for type: String, reportID: String) -> JSONValue {
        let report = ReportReceivedData(
            reportID: reportID, trackingCode: "4829150375", channel: "web", description: "تاب پارک شکسته", serviceCode: "GREEN",
            attributes: ["park_name": "پارک لاله"], location: ReportLocation(lat: 35.7, long: 51.4, district: 6),
            reporter: ReporterProfile(type: "parent", language: "fa"), contact: ReporterContact(phone: "+989121234567"),
            contactAllowed: false, mediaURLs: [], receivedAt: "2026-01-01T08:00:00.000Z")
        switch type {
        case EventType.reportReceived:
            return encoded(report)
        case EventType.reportClassified:
            let classification = ReportClassification(
                serviceCode: "CFC-PLAY", channelServiceCode: "GREEN", childFriendly: true, priority: "P1", confidence: 0.97,
                evidence: ["keyword «تاب» → CFC-PLAY"], triage: true, triageReason: "the channel chose GREEN, the model CFC-PLAY (0.97)",
                modelVersion: "lr-ngram-1.9024e628")
            return encoded(ReportClassifiedData(report: report, classification: classification))
        case EventType.reportRouted:
            return encoded(ReportRoutedData(
                reportID: reportID, trackingCode: "4829150375", serviceCode: "CFC-PLAY", childFriendly: true, priority: "P1",
                unit: "parks", district: "06", deadline: "2026-01-04T08:00:00.000Z", channel: "web", reporterType: "parent",
                receivedAt: "2026-01-01T08:00:00.000Z", triage: false))
        case EventType.reportAssigned:
            return encoded(ReportAssignedData(
                reportID: reportID, trackingCode: "4829150375", serviceCode: "CFC-PLAY", childFriendly: true, priority: "P1",
                unit: "parks", deadline: "2026-01-04T08:00:00.000Z", district: "06", location: report.location,
                description: report.description, attributes: report.attributes, mediaURLs: [], reporter: report.reporter,
                contact: nil, assignment: 1, receivedAt: report.receivedAt))
        case EventType.reportStatusChanged:
            return encoded(ReportStatusChangedData(
                reportID: reportID, unit: "parks", fromStatus: "acknowledged", status: "rejected", note: nil,
                reason: "not a playground of the municipality", at: "2026-01-02T08:00:00.000Z", by: "parks"))
        case EventType.reportReassigned:
            return encoded(ReportReassignedData(
                reportID: reportID, fromUnit: "parks", unit: "social-affairs", deadline: "2026-01-05T08:00:00.000Z",
                note: "a kindergarten's yard", referralCount: 1, district: "06", at: "2026-01-02T08:00:00.000Z"))
        case EventType.reportEscalated:
            return encoded(ReportEscalatedData(
                reportID: reportID, level: 2, unit: "parks", deadline: "2026-01-04T08:00:00.000Z", overdueHours: 26.5,
                escalatedAt: "2026-01-05T10:30:00.000Z"))
        case EventType.reportLinked:
            return encoded(ReportLinkedData(
                reportID: reportID, trackingCode: "4820193746", parentReportID: "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
                parentTrackingCode: "5930284751", unit: "parks", serviceCode: "CFC-PLAY", childFriendly: true, district: "06",
                status: "acknowledged", deadline: "2026-01-05T08:00:00.000Z", similarity: 0.42, distanceMetres: 18.5, receivedAt: "2026-01-02T08:00:00.000Z",
                at: "2026-01-02T08:00:01.000Z"))
        case EventType.reportUnlinked:
            return encoded(ReportUnlinkedData(
                reportID: reportID, parentReportID: "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d", unit: "parks",
                reason: "another swing, the far end of the park", deadline: "2026-01-05T08:00:00.000Z", at: "2026-01-02T09:00:00.000Z"))
        case EventType.reportRepeatHazard:
            return encoded(ReportRepeatHazardData(
                reportID: reportID, trackingCode: "5930284751", unit: "parks", serviceCode: "CFC-PLAY", childFriendly: true, district: "06",
                reason: .reports, count: 3, fromPriority: "P1", priority: "P0", deadline: "2026-01-03T08:00:00.000Z", at: "2026-01-02T08:00:00.000Z"))
        default:
            return .object(["report_id": .string(reportID)])
        }
    }

    /// A `report.classified` event as the classifier emits it (source, type, subject, correlation id), for a
    /// new report of `code` at `location` whose reporter gave a phone number; its report id.
    public static func classifiedEvent(
        code: String, location: ReportLocation, contactAllowed: Bool, description: String = "تاب پارک شکسته",
        trackingCode: String = "4829150375"
    ) throws -> (CloudEvent, String) {
        let reportID = UUID().uuidString.lowercased()
        let report = ReportReceivedData(
            reportID: reportID, trackingCode: trackingCode, channel: "web", description: description, serviceCode: code,
            attributes: ["park_name": "پارک لاله"], location: location, reporter: ReporterProfile(type: "parent", language: "fa"),
            contact: ReporterContact(phone: "+989121234567"), contactAllowed: contactAllowed, mediaURLs: [],
            receivedAt: CloudEvent.formatTime(Date()))
        let classification = ReportClassification(
            serviceCode: code, channelServiceCode: code, childFriendly: code.hasPrefix("CFC-"), priority: "P1", confidence: 0.95,
            evidence: ["keyword"], triage: false, triageReason: nil, modelVersion: "lr-ngram-1.0")
        let event = try CloudEvent(
            source: "/open137/classifier", type: EventType.reportClassified, subject: reportID,
            payload: ReportClassifiedData(report: report, classification: classification), correlationID: "journey-\(reportID)")
        return (event, reportID)
    }

    /// A payload as a JSON value.
    public static func encoded(_ payload: some Encodable) -> JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(payload))) ?? .null
    }
}
