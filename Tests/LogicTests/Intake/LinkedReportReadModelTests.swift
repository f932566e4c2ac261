import Contracts
import Foundation
@testable import IntakeService
import JSON
import Testing
import WebPages

/// How intake's read model reads `report.linked` and `report.unlinked`, and the track page's words for a
/// report's case — without a database.
@Suite("Intake: linked reports in the read model and on the track page")
struct LinkedReportReadModelTests {
    let reportID = "3f0c3f5e-6a43-4f51-9d6e-2f1b0f3f9a10"
    let parentID = "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"

    func linked(_ data: ReportLinkedData? = nil) throws -> CloudEvent {
        try CloudEvent(source: "/open137/router", type: EventType.reportLinked, subject: reportID, payload: data ?? ReportLinkedData(
            reportID: reportID, trackingCode: "4820193746", parentReportID: parentID, parentTrackingCode: "5930284751", unit: "parks",
            serviceCode: "CFC-PLAY", childFriendly: true, district: "06", status: "in_progress", deadline: "2026-01-05T08:00:00.000Z",
            similarity: 0.42, distanceMetres: 18.5, receivedAt: "2026-01-02T08:00:00.000Z", at: "2026-01-02T08:00:01.000Z"))
    }

    @Test("report.linked: the case's status, unit and deadline, a `linked` history line, the case remembered — never its code")
    func linkedChange() throws {
        let change = try #require(ReportStore.readModelChange(of: try linked()))
        #expect(change.status == "in_progress")
        #expect(change.unit == "parks")
        #expect(change.deadline == CloudEvent.parseTime("2026-01-05T08:00:00.000Z"))
        #expect(change.historyStatus == "linked")
        #expect(change.link == .linked(parent: UUID(uuidString: parentID)!))
        #expect(change.note == nil)
        let item = try #require(ReadModelEvent(try linked()))
        let document = ReadModelEvent.document([item])
        #expect(document.contains(#""link_change":"linked""#) && document.contains(#""linked_to":"\#(parentID)""#))
        #expect(document.contains(#""moved_to":"in_progress""#))
        #expect(!document.contains("5930284751"), "the case's tracking code is another reporter's")
    }

    @Test("report.unlinked: assigned again with its own deadline, the unit's reason as its note, the link cleared")
    func unlinkedChange() throws {
        let event = try CloudEvent(source: "/open137/router", type: EventType.reportUnlinked, subject: reportID, payload: ReportUnlinkedData(
            reportID: reportID, parentReportID: parentID, unit: "parks", reason: "another swing", deadline: "2026-01-06T08:00:00.000Z",
            at: "2026-01-02T09:00:00.000Z"))
        let change = try #require(ReportStore.readModelChange(of: event))
        #expect(change.status == "assigned" && change.historyStatus == "unlinked" && change.link == .unlinked)
        #expect(change.note == "another swing" && change.unit == "parks")
        let document = ReadModelEvent.document([try #require(ReadModelEvent(event))])
        #expect(document.contains(#""link_change":"unlinked""#) && !document.contains("linked_to"))
    }

    @Test("a link whose data does not match the contract is no change at all (the handler dead-letters it)")
    func malformedLinks() throws {
        var missing = try linked()
        if case .object(var data) = missing.data { data.removeValue(forKey: "parent_report_id"); missing.data = .object(data) }
        #expect(ReportStore.readModelChange(of: missing) == nil)
        var badStatus = try linked()
        if case .object(var data) = badStatus.data { data["status"] = "linked-ish"; badStatus.data = .object(data) }
        #expect(ReportStore.readModelChange(of: badStatus) == nil)
        var otherSubject = try linked()
        otherSubject.subject = parentID
        #expect(ReadModelEvent(otherSubject) == nil)
        #expect(ReportStore.strictlyRead == [EventType.reportLinked, EventType.reportUnlinked])
        // The older types stay lenient: a status change without a status is skipped, not refused.
        #expect(!ReportStore.strictlyRead.contains(EventType.reportStatusChanged))
    }

    @Test("the track page's words: a linked report, a case with linked reports, a report alone — in Persian and English")
    func caseWords() {
        let linkedEn = ReportStatusText.caseText(linked: true, caseReports: 3, .en)
        #expect(linkedEn == "This report joined a case already open about the same hazard; that case has 3 reports. It follows that case: its status, unit and deadline are the case's and change with it.")
        let linkedFa = ReportStatusText.caseText(linked: true, caseReports: 3, .fa)
        #expect(linkedFa?.contains("۳ گزارش") == true && linkedFa?.contains("همین خطر") == true)
        #expect(ReportStatusText.caseText(linked: false, caseReports: 3, .en) == "This case has 3 reports about the same hazard.")
        #expect(ReportStatusText.caseText(linked: false, caseReports: 2, .fa) == "این پرونده ۲ گزارش دربارهٔ همین خطر دارد.")
        #expect(ReportStatusText.caseText(linked: false, caseReports: 1, .en) == nil)
        #expect(ReportStatusText.name("linked", .en) == "Joined a case already open about the same hazard")
        #expect(ReportStatusText.name("unlinked", .en) == "Split off: now a case of its own")
        #expect(ReportStatusText.name("unlinked", .fa).contains("جداگانه"))
        #expect(ReportStatusText.name("in_progress", .en) == "In progress")
    }
}
