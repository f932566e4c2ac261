import Contracts
import Foundation
import JSON
import NotifierService
import Testing

/// What the notifier tells a reporter when their report joins a case or is split off one, and what a
/// webhook gets of those events — without servers.
@Suite("Notifier: linked and unlinked reports")
struct LinkedReportMessageTests {
    let reportID = "3f0c3f5e-6a43-4f51-9d6e-2f1b0f3f9a10"

    func reporter(_ language: String) -> ReporterRecord {
        ReporterRecord(reportID: reportID, trackingCode: "4820193746", language: language, phone: "+989121234567", email: nil, notify: true)
    }

    func linked() throws -> CloudEvent {
        try CloudEvent(source: "/open137/router", type: EventType.reportLinked, subject: reportID, payload: ReportLinkedData(
            reportID: reportID, trackingCode: "4820193746", parentReportID: "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
            parentTrackingCode: "5930284751", unit: "parks", serviceCode: "CFC-PLAY", childFriendly: true, district: "06",
            status: "acknowledged", deadline: "2025-03-24T08:30:00Z", similarity: 0.42, distanceMetres: 18.5,
            receivedAt: "2025-03-21T08:30:00Z", at: "2025-03-21T08:30:01Z"))
    }

    func unlinked(reason: String = "another swing, the far end of the park") throws -> CloudEvent {
        try CloudEvent(source: "/open137/router", type: EventType.reportUnlinked, subject: reportID, payload: ReportUnlinkedData(
            reportID: reportID, parentReportID: "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d", unit: "parks", reason: reason,
            deadline: "2025-03-24T08:30:00Z", at: "2025-03-21T09:00:00Z"))
    }

    func sms(_ event: CloudEvent, _ language: String) throws -> String? {
        let planner = try NotifierStage.makePlanner(reporterChannels: [.sms])
        let body = String(decoding: try event.encoded(), as: UTF8.self)
        return try planner.plans(event: event, body: body, reporter: reporter(language), subscriptions: []).first { $0.channel == .sms }?.body
    }

    @Test("report.linked: the reporter hears their report joined a case open with the unit — never the case's code")
    func linkedMessage() throws {
        let english = try #require(try sms(try linked(), "en"))
        #expect(english == "Your report 4820193746 joins a case already open about the same hazard with Parks and Green Space Organization; you will hear as it moves.")
        let persian = try #require(try sms(try linked(), "fa"))
        #expect(persian.contains("4820193746") && persian.contains("سازمان بوستان‌ها و فضای سبز") && persian.contains("همین خطر"))
        for text in [english, persian] { #expect(!text.contains("5930284751")) }
        #expect(NotificationPlanner.concernsReporter(EventType.reportLinked) && NotificationPlanner.concernsReporter(EventType.reportUnlinked))
    }

    @Test("report.unlinked: a case of its own with its deadline (Jalali in Persian); the unit's reason is not passed on")
    func unlinkedMessage() throws {
        let english = try #require(try sms(try unlinked(), "en"))
        #expect(english.contains("is now a case of its own, due by 24 March 2025, 12:00 (Tehran time)"))
        #expect(!english.contains("another swing"))
        let persian = try #require(try sms(try unlinked(), "fa"))
        #expect(persian.contains("پرونده‌ای جداگانه") && persian.contains("۱۴۰۴/۰۱/۰۴ ساعت ۱۲:۰۰"))
    }

    @Test("webhooks: report.linked goes out byte for byte (ids, codes, the match); a split's reason quoting a number is masked")
    func webhookCopies() throws {
        let planner = try NotifierStage.makePlanner(reporterChannels: [])
        let subscription = WebhookSubscription(id: 1, url: "http://127.0.0.1:1/hooks", events: ["report.#"], secret: "s")
        let link = try linked()
        let linkBody = String(decoding: try link.encoded(), as: UTF8.self)
        #expect(try planner.plans(event: link, body: linkBody, reporter: nil, subscriptions: [subscription]).map(\.body) == [linkBody])
        let split = try unlinked(reason: "not the same swing; the caller at 09121234567 confirmed")
        let splitBody = String(decoding: try split.encoded(), as: UTF8.self)
        let sent = try #require(try planner.plans(event: split, body: splitBody, reporter: nil, subscriptions: [subscription]).first?.body)
        #expect(!sent.contains("09121234567") && sent.contains("[phone]"))
    }

    @Test("a link or split whose data does not match the contract is refused")
    func malformed() throws {
        var bad = try linked()
        if case .object(var data) = bad.data { data["similarity"] = "high"; bad.data = .object(data) }
        #expect(throws: (any Error).self) { try NotificationPlanner.checkPayload(of: bad) }
        var noReason = try unlinked()
        if case .object(var data) = noReason.data { data.removeValue(forKey: "reason"); noReason.data = .object(data) }
        #expect(throws: (any Error).self) { try NotificationPlanner.checkPayload(of: noReason) }
        try NotificationPlanner.checkPayload(of: try linked())
        try NotificationPlanner.checkPayload(of: try unlinked())
    }
}
