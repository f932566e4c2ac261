import Contracts
@testable import CouncilAuditService
import Foundation
import JSON
import Testing
import TestSupport
import WebPages

/// What the committee's read model and timeline make of `report.linked` and `report.unlinked`, without a
/// database: the patches, the link in the API's timeline entry, and the words on the dashboard's page.
@Suite("Council audit: linked reports")
struct ReportLinkProjectionTests {
    let reportID = UUID()

    @Test("report.linked: the case's unit, status and deadline, assigned at the link, linked to the case by id and code")
    func linkedPatch() throws {
        let data = SampleEventData.data(for: EventType.reportLinked, reportID: reportID.uuidString.lowercased())
        let patch = try #require(ReportPatch(type: EventType.reportLinked, reportID: reportID, data: data, eventTime: nil))
        #expect(patch.linkedTo == "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d" && patch.linkedToTrackingCode == "5930284751")
        #expect(patch.unit == "parks" && patch.status == "acknowledged" && patch.district == "06" && patch.childFriendly == true)
        #expect(patch.assignedAt == patch.statusAt && patch.linkAt == patch.statusAt && patch.statusAt != nil)
        #expect(patch.firstActionAt == nil, "the case's earlier actions were not taken on this report")
        #expect(patch.unlinked == 0)
        let json = ReportPatch.jsonArray([patch])
        #expect(json.contains(#""linked_to":"9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d""#) && json.contains(#""unlinked":0"#))
        // Without the case there is nothing to link: the event is still logged, the projection unchanged.
        var broken = data
        if case .object(var members) = broken { members.removeValue(forKey: "parent_report_id"); broken = .object(members) }
        #expect(ReportPatch(type: EventType.reportLinked, reportID: reportID, data: broken, eventTime: nil) == nil)
    }

    @Test("report.unlinked: assigned again with its own deadline, the link cleared")
    func unlinkedPatch() throws {
        let data = SampleEventData.data(for: EventType.reportUnlinked, reportID: reportID.uuidString.lowercased())
        let patch = try #require(ReportPatch(type: EventType.reportUnlinked, reportID: reportID, data: data, eventTime: nil))
        #expect(patch.unlinked == 1 && patch.linkedTo == nil && patch.status == "assigned" && patch.unit == "parks")
        #expect(patch.deadline == "2026-01-05T08:00:00.000Z" || patch.deadline?.hasPrefix("2026-01-05T08:00:00") == true)
        #expect(patch.linkAt != nil && patch.linkAt == patch.statusAt)
    }

    @Test("the timeline entry's link, and its words in Persian and English")
    func timelineWords() throws {
        let linked: JSONValue = .object(["data": SampleEventData.data(for: EventType.reportLinked, reportID: reportID.uuidString.lowercased())])
        let link = try #require(TimelineLink(type: EventType.reportLinked, event: linked))
        #expect(link.kind == "linked" && link.caseTrackingCode == "5930284751" && link.similarity == 0.42 && link.distanceM == 18.5)
        #expect(CouncilPages.linkText(link, .en) == "linked to case 5930284751 (similarity 0.42, 19 m)")
        #expect(CouncilPages.linkText(link, .fa) == "پیوسته به پروندهٔ ۵۹۳۰۲۸۴۷۵۱ (شباهت ۰٫۴۲، ۱۹ متر)")
        var byPlace = link
        byPlace.distanceM = nil
        #expect(CouncilPages.linkText(byPlace, .en) == "linked to case 5930284751 (similarity 0.42, same district and place)")

        let unlinked: JSONValue = .object(["data": SampleEventData.data(for: EventType.reportUnlinked, reportID: reportID.uuidString.lowercased())])
        let split = try #require(TimelineLink(type: EventType.reportUnlinked, event: unlinked))
        #expect(split.kind == "unlinked" && split.reason == "another swing, the far end of the park" && split.caseTrackingCode == nil)
        #expect(CouncilPages.splitText(split, unit: "Parks and Green Space Organization", .en)
            == "split off by Parks and Green Space Organization: another swing, the far end of the park")
        #expect(CouncilPages.splitText(split, unit: "سازمان بوستان‌ها", .fa).hasPrefix("جدا شده به دست سازمان بوستان‌ها: "))
        #expect(CouncilPages.eventName(EventType.reportLinked, .en) == "Linked to a case of the same hazard")
        #expect(CouncilPages.eventName(EventType.reportUnlinked, .fa) == "جدا شدن از پرونده")
        #expect(TimelineLink(type: EventType.reportStatusChanged, event: linked) == nil)
    }
}
