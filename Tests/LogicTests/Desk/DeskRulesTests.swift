import Contracts
@testable import DeskService
import Foundation
import JSON
import ServiceHosting
import Testing
import WebPages

/// The desk's rules without servers: which actions the state machine offers, how a posted action is
/// checked, what a unit's queue holds as the desk reads it, the `DESK_UNITS` setting, the list filter and
/// how deadlines are said.
@Suite("Units' desk rules")
struct DeskRulesTests {
    @Test("the actions offered follow the contract's state machine; none while a request waits")
    func offeredActions() {
        #expect(DeskAction.offered(from: .assigned, pending: false) == [.acknowledge, .reject, .refer])
        #expect(DeskAction.offered(from: .reopened, pending: false) == [.acknowledge, .reject, .refer])
        #expect(DeskAction.offered(from: .acknowledged, pending: false) == [.start, .reject, .refer])
        #expect(DeskAction.offered(from: .inProgress, pending: false) == [.resolve, .reject, .refer])
        #expect(DeskAction.offered(from: .resolved, pending: false).isEmpty)
        #expect(DeskAction.offered(from: .rejected, pending: false).isEmpty)
        #expect(DeskAction.offered(from: .referred, pending: false).isEmpty)
        #expect(DeskAction.offered(from: .assigned, pending: true).isEmpty)
        for action in DeskAction.allCases { #expect(DeskAction(status: action.status) == action) }
    }

    private func check(_ action: String?, note: String? = nil, reason: String? = nil, to target: String? = nil,
                       status: ReportStatus = .inProgress, pending: Bool = false) -> DeskActionRequest.Checked {
        DeskActionRequest.check(action: action, note: note, reason: reason, referredTo: target, status: status, pending: pending,
                                unit: "parks", units: ["parks", "traffic", "roads"])
    }

    private func fields(_ checked: DeskActionRequest.Checked) -> [String] {
        if case .problems(let problems) = checked { return problems.map { "\($0.field):\($0.code)" } }
        return []
    }

    @Test("a posted action: resolve needs a note, reject and refer a reason, refer another unit of the file; nothing not offered")
    func checksActions() {
        #expect(fields(check("resolve", note: "  \n")) == ["note:required"])
        #expect(check("resolve", note: " The swing was replaced. ") == .valid(DeskActionRequest(action: .resolve, note: "The swing was replaced.", reason: nil, referredTo: nil)))
        #expect(fields(check("reject")) == ["reason:required"])
        #expect(fields(check("refer", to: "traffic")) == ["reason:required"])
        #expect(fields(check("refer", reason: "a crossing", to: "parks")) == ["referred_to:unknown-unit"])
        #expect(fields(check("refer", reason: "a crossing", to: "moon")) == ["referred_to:unknown-unit"])
        #expect(fields(check("refer", reason: "a crossing")) == ["referred_to:unknown-unit"])
        #expect(fields(check("acknowledge")) == ["action:not-offered"], "in progress is past acknowledging")
        #expect(fields(check("fly")) == ["action:not-offered"])
        #expect(fields(check(nil)) == ["action:not-offered"])
        #expect(fields(check("resolve", note: "x", pending: true)) == ["action:pending"])
        #expect(fields(check("resolve", note: String(repeating: "x", count: 2001))) == ["note:too-long"])
        guard case .valid(let referral) = check("refer", reason: "a crossing", to: "traffic") else { Issue.record("refer refused"); return }
        let update = referral.update(reportID: "r-1", unit: "parks")
        #expect(update.status == "referred" && update.referredTo == "traffic" && update.note == "a crossing" && update.reason == "a crossing")
        guard case .valid(let rejection) = check("reject", reason: "not ours", status: .assigned) else { Issue.record("reject refused"); return }
        #expect(rejection.update(reportID: "r-1", unit: "parks").referredTo == nil)
    }

    @Test("DESK_UNITS: unit:password pairs of known units, each once; the problem never quotes the value")
    func unitsSetting() throws {
        #expect(DeskUnitAccount.parseList("parks:abc,traffic:d:e") == [DeskUnitAccount(unit: "parks", password: "abc"), DeskUnitAccount(unit: "traffic", password: "d:e")])
        #expect(DeskUnitAccount.parseList("parks:abc,parks:def") == nil)
        #expect(DeskUnitAccount.parseList("moon:abc") == nil)
        #expect(DeskUnitAccount.parseList("parks:") == nil)
        #expect(DeskUnitAccount.parseList("parks") == nil)
        #expect(DeskUnitAccount.parseList("") == nil)
        #expect(DeskUnitAccount(unit: "social-affairs", password: "x").userName == "unit-social-affairs")
        let base = ["AMQP_URL": "amqp://127.0.0.1:5672/", "DATABASE_URL": "postgres://u@127.0.0.1:5432/db"]
        let loaded = try ServiceConfiguration.load(DeskSettings.self, environment: base.merging(["DESK_UNITS": "parks:secret-one"]) { $1 }, defaultOpsPort: 9106)
        #expect(loaded.settings.units.map(\.unit) == ["parks"] && loaded.settings.port == 8139)
        for bad in [nil, "parks:secret-one,moon:secret-two"] {
            var environment = base
            environment["DESK_UNITS"] = bad
            let error = #expect(throws: ConfigurationError.self) { try ServiceConfiguration.load(DeskSettings.self, environment: environment, defaultOpsPort: 9106) }
            #expect(error?.description.contains("DESK_UNITS") == true)
            #expect(error?.description.contains("secret") == false)
        }
    }

    /// A message body as it arrives (the desk reads bodies only: routing keys are the broker's business).
    private func delivery(_ body: [UInt8]) -> [UInt8] { body }

    private func event(_ type: String, _ data: some Encodable & Sendable, id: String = "e-1") throws -> [UInt8] {
        try EncodedEvent(id: id, source: "/open137/router", type: type, time: Date(), subject: "r", data: data, correlationID: "c-1").encoded()
    }

    @Test("what a unit's queue holds, as the desk reads it: deliveries and answers; anything else unreadable with a reason")
    func readsMessages() throws {
        let assigned = ReportAssignedData(
            reportID: "3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6f", trackingCode: "4829150375", serviceCode: "CFC-PLAY", childFriendly: true, priority: "P1",
            unit: "parks", deadline: "2026-01-04T08:00:00.000Z", district: "06", location: nil, description: "x", attributes: [:], mediaURLs: [],
            reporter: ReporterProfile(), contact: nil, assignment: 2, receivedAt: "2026-01-01T08:00:00.000Z")
        guard case .delivery(let id, let data) = DeskMessage.read(delivery(try event(EventType.reportAssigned, assigned, id: "r.a2")), unit: "parks") else {
            Issue.record("a delivery not read"); return
        }
        #expect(id == "r.a2" && data.assignment == 2)
        guard case .unreadable(let foreign) = DeskMessage.read(delivery(try event(EventType.reportAssigned, assigned)), unit: "traffic") else {
            Issue.record("another unit's delivery read"); return
        }
        #expect(foreign.contains("for unit parks"))
        let changed = ReportStatusChangedData(reportID: "r", unit: "parks", fromStatus: "assigned", status: "acknowledged", note: nil, reason: nil, at: "2026-01-02T08:00:00.000Z", by: "parks")
        guard case .statusChanged(_, let correlation, let change) = DeskMessage.read(delivery(try event(EventType.reportStatusChanged, changed)), unit: "parks") else {
            Issue.record("an answer not read"); return
        }
        #expect(correlation == "c-1" && change.status == "acknowledged")
        let refused = UnitStatusRefusedData(reportID: "r", unit: "parks", updateID: "u", status: "resolved", code: "illegal-transition", reason: "no", at: "2026-01-02T08:00:00.000Z")
        guard case .refused = DeskMessage.read(delivery(try event(UnitStatusRefusedData.eventType, refused)), unit: "parks") else { Issue.record("a refusal not read"); return }
        let reassigned = ReportReassignedData(reportID: "r", fromUnit: "traffic", unit: "parks", deadline: "2026-01-05T08:00:00.000Z", note: nil, referralCount: 1, district: "06", at: "2026-01-02T08:00:00.000Z")
        guard case .unreadable = DeskMessage.read(delivery(try event(EventType.reportReassigned, reassigned)), unit: "parks") else {
            Issue.record("another unit's referral read as this unit's"); return
        }
        let linked = ReportLinkedData(
            reportID: "l", trackingCode: "5100000002", parentReportID: "r", parentTrackingCode: "5100000001", unit: "parks", serviceCode: "CFC-PLAY",
            childFriendly: true, district: "06", status: "acknowledged", deadline: "2026-01-05T08:00:00.000Z", similarity: 0.4, distanceMetres: 12,
            receivedAt: "2026-01-02T08:00:00.000Z", at: "2026-01-02T08:00:01.000Z", description: "تاب شکسته")
        guard case .linked(_, let link) = DeskMessage.read(delivery(try event(EventType.reportLinked, linked)), unit: "parks") else {
            Issue.record("a link not read"); return
        }
        #expect(link.parentReportID == "r" && link.description == "تاب شکسته")
        guard case .unreadable(let foreignLink) = DeskMessage.read(delivery(try event(EventType.reportLinked, linked)), unit: "traffic") else {
            Issue.record("another unit's link read"); return
        }
        #expect(foreignLink.contains("unit parks"))
        let unlinked = ReportUnlinkedData(reportID: "l", parentReportID: "r", unit: "parks", reason: "another swing", deadline: "2026-01-05T08:00:00.000Z", at: "2026-01-02T09:00:00.000Z")
        guard case .unlinked(_, let splitCorrelation, _) = DeskMessage.read(delivery(try event(EventType.reportUnlinked, unlinked)), unit: "parks") else {
            Issue.record("a split's answer not read"); return
        }
        #expect(splitCorrelation == "c-1")
        for body in [Array("not json".utf8), try event(EventType.reportReceived, ["a": 1]), try event(EventType.reportStatusChanged, ["a": 1]),
                     try event(EventType.reportLinked, ["report_id": "l"])] {
            guard case .unreadable(let reason) = DeskMessage.read(delivery(body), unit: "parks") else { Issue.record("read: \(body)"); continue }
            #expect(!reason.isEmpty)
            #expect(DeskMessage.read(delivery(body), unit: "parks").eventID == nil)
        }
    }

    @Test("the list filter: districts as two digits, Persian digits in a tracking code, nothing malformed kept")
    func caseFilter() {
        let filter = DeskCaseFilter(district: "6", status: "", serviceCode: "cfc-play", trackingCode: "۴۸۲۹ 15")
        #expect(filter.district == "06" && filter.status == nil && filter.serviceCode == "CFC-PLAY" && filter.trackingCode == "482915")
        let bad = DeskCaseFilter(district: "23", status: nil, serviceCode: "", trackingCode: "abc")
        #expect(bad.district == nil && bad.serviceCode == nil && bad.trackingCode == nil)
    }

    @Test("deadlines said as time left or overdue, in both languages and Persian digits")
    func deadlines() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(DeskTime.remaining(until: now.addingTimeInterval(2 * 3600 + 5 * 60 + 30), now: now, .en) == "2 h 5 min left")
        #expect(DeskTime.remaining(until: now.addingTimeInterval(-(7 * 60 + 10)), now: now, .en) == "overdue by 7 min")
        #expect(DeskTime.remaining(until: now.addingTimeInterval(3 * 86_400 + 4 * 3600), now: now, .en) == "3 d 4 h left")
        #expect(DeskTime.remaining(until: now.addingTimeInterval(3600), now: now, .fa) == "۱ ساعت ۰ دقیقه مانده")
    }
}
