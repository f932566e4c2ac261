import BrokerTopology
import Contracts
import Foundation
import RouterService
import ServiceHosting
import Stages
import Taxonomy
import Testing
import TestSupport
import Units

/// The routing rules and the state machine without broker or database.
@Suite("Router rules")
struct RouterRulesTests {
    let router: ReportRouter

    init() throws {
        let taxonomy = try Taxonomy.bundled()
        router = ReportRouter(
            taxonomy: taxonomy, units: try UnitDirectory.bundled(taxonomy: taxonomy),
            districts: try DistrictLocator.parse(geoJSON: Array(routerTestDistricts.utf8)))
    }

    static func classified(
        code: String, priority: String = "P1", triage: Bool = false, location: ReportLocation? = nil,
        receivedAt: String = "2026-01-01T08:00:00.000Z"
    ) -> ReportClassifiedData {
        let report = ReportReceivedData(
            reportID: UUID().uuidString.lowercased(), trackingCode: "4829150375", channel: "web", description: "…", serviceCode: nil,
            attributes: [:], location: location, reporter: ReporterProfile(type: "child"), contact: nil, contactAllowed: false,
            mediaURLs: [], receivedAt: receivedAt)
        return ReportClassifiedData(report: report, classification: ReportClassification(
            serviceCode: code, channelServiceCode: nil, childFriendly: code.hasPrefix("CFC-"), priority: priority, confidence: 0.9,
            evidence: [], triage: triage, triageReason: triage ? "unsure" : nil, modelVersion: "lr-ngram-1.0"))
    }

    @Test("each service code goes to its unit: the issue's table for the child codes, the units file for the rest", arguments: [
        ("CFC-KG", "social-affairs"), ("CFC-OTHER", "social-affairs"), ("CFC-PLAY", "parks"), ("CFC-SCHOOL", "traffic"),
        ("CFC-TRANSPORT", "transit"), ("ROAD", "roads"), ("LIGHT", "lighting"), ("WASTE", "waste"), ("GREEN", "parks"),
        ("TRAFFIC", "traffic"), ("TRANSIT", "transit"), ("BUILD", "urban-planning"), ("WATER", "urban-services"),
        ("OCCUPY", "urban-services"), ("ANIMAL", "environment"), ("NOISE", "environment"), ("OTHER", "triage"),
    ])
    func unitOfEachCode(code: String, unit: String) {
        let decision = router.route(Self.classified(code: code, location: ReportLocation(district: 3)))
        #expect(decision.unit == unit)
        #expect(decision.routingKey == "\(unit).d03")
        #expect(!decision.triage)
    }

    @Test("a report flagged for triage, or with a code the units file does not know, goes to triage")
    func triage() {
        let flagged = router.route(Self.classified(code: "CFC-PLAY", triage: true))
        #expect(flagged.unit == "triage")
        #expect(flagged.triage)
        #expect(router.route(Self.classified(code: "NOT-A-CODE")).unit == "triage")
    }

    @Test("the units file covers every taxonomy code once, agrees with the taxonomy's default units, and matches the topology's unit list")
    func unitsFileAgrees() throws {
        let taxonomy = try Taxonomy.bundled()
        let units = try UnitDirectory.bundled(taxonomy: taxonomy)
        for service in taxonomy.services {
            #expect(units.unit(for: service.code) == service.unit, "\(service.code)")
        }
        #expect(units.units.map(\.code) == Open137Topology.unitCodes)
        #expect(units.units.allSatisfy { !$0.name.fa.isEmpty && !$0.name.en.isEmpty && !$0.contact.isEmpty })
    }

    @Test("a units file with a code handled twice, an unknown code, a code nobody handles or no triage unit is refused")
    func brokenUnitsFiles() throws {
        let taxonomy = try Taxonomy.bundled()
        let good = try UnitDirectory.bundled(taxonomy: taxonomy).units
        var twice = good
        twice[1].serviceCodes.append("CFC-KG")
        var unknown = good
        unknown[0].serviceCodes.append("NOPE")
        var missing = good
        missing[0].serviceCodes.removeAll { $0 == "CFC-KG" }
        let noTriage = good.filter { $0.code != "triage" }
        for units in [twice, unknown, missing, noTriage] {
            #expect(throws: UnitsError.self) { try UnitDirectory(units: units, taxonomy: taxonomy) }
        }
        #expect(throws: UnitsError.self) { try UnitDirectory.parse(yaml: "version: 1\nunits: 3", taxonomy: taxonomy) }
    }

    @Test("district from the report's own field, else from its point, else 00")
    func districts() {
        let d = router.districts
        #expect(d.district(of: ReportLocation(lat: 35.5, long: 51.5, district: 9)) == "09")   // the field wins
        #expect(d.district(of: ReportLocation(lat: 35.2, long: 51.2)) == "05")
        #expect(d.district(of: ReportLocation(lat: 35.5, long: 51.5)) == "07")                // the hole of 5 is 7
        #expect(d.district(of: ReportLocation(lat: 30.5, long: 60.5)) == "12")                // first part of a MultiPolygon
        #expect(d.district(of: ReportLocation(lat: 30.2, long: 62.5)) == "12")                // second part (a triangle)
        #expect(d.district(of: ReportLocation(lat: 30.9, long: 62.1)) == "00")                // beside the triangle
        #expect(d.district(of: ReportLocation(lat: 10, long: 10)) == "00")
        #expect(d.district(of: ReportLocation(lat: 35.2, long: 51.2, district: 40)) == "05")   // out of range → the point
        #expect(d.district(of: ReportLocation(address: "somewhere")) == "00")
        #expect(d.district(of: nil) == "00")
        #expect(DistrictLocator().district(of: ReportLocation(lat: 35.2, long: 51.2)) == "00")
        #expect(DistrictLocator.code(22) == "22")
    }

    @Test("broken district files are refused with the feature named")
    func brokenDistricts() {
        let cases = [
            "not json", #"{"type": "Feature"}"#,
            #"{"type": "FeatureCollection", "features": [{"properties": {"district": 30}, "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}}]}"#,
            #"{"type": "FeatureCollection", "features": [{"properties": {"district": 3}, "geometry": {"type": "Point", "coordinates": [0,0]}}]}"#,
            #"{"type": "FeatureCollection", "features": [{"properties": {"district": 3}, "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0]]]}}]}"#,
        ]
        for text in cases {
            #expect(throws: RouterError.self, "\(text)") { try DistrictLocator.parse(geoJSON: Array(text.utf8)) }
        }
    }

    @Test("the deadline is the taxonomy's hours for code and priority, counted from received_at", arguments: [
        ("CFC-PLAY", "P0", 4), ("CFC-PLAY", "P1", 72), ("CFC-KG", "P1", 48), ("ROAD", "P2", 720), ("NOT-A-CODE", "P1", 120),
    ])
    func deadline(code: String, priority: String, hours: Int) throws {
        let decision = router.route(Self.classified(code: code, priority: priority))
        let start = try #require(CloudEvent.parseTime("2026-01-01T08:00:00.000Z"))
        #expect(decision.deadline == start.addingTimeInterval(TimeInterval(hours * 3600)))
        #expect(CloudEvent.parseTime("2026-01-01T08:00:00Z") == start)
    }

    // MARK: The state machine

    private func decide(_ status: ReportStatus, _ update: String, unit: String = "parks", current: String = "parks", reason: String? = nil, to: String? = nil) throws -> StatusTransition {
        try StatusTransition.decide(
            UnitStatusUpdateData(reportID: "r", unit: unit, status: update, reason: reason, referredTo: to),
            currentUnit: current, status: status, units: router.units)
    }

    /// The code of the refusal `body` throws: a dead letter's (``DeliveryRejection``) or `out-of-order`
    /// (``UpdateOutOfOrder``, retried); nil when it decides a transition.
    private func rejection(_ body: () throws -> StatusTransition) -> String? {
        do {
            _ = try body()
            return nil
        } catch let rejection as DeliveryRejection {
            return rejection.code
        } catch let early as UpdateOutOfOrder {
            return early.code
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test("every legal transition", arguments: [
        (ReportStatus.assigned, "acknowledged", ReportStatus.acknowledged), (.assigned, "rejected", .rejected),
        (.acknowledged, "in_progress", .inProgress), (.acknowledged, "rejected", .rejected),
        (.inProgress, "resolved", .resolved), (.inProgress, "rejected", .rejected),
        (.reopened, "acknowledged", .acknowledged), (.reopened, "rejected", .rejected),
    ])
    func legal(from: ReportStatus, update: String, to: ReportStatus) throws {
        #expect(try decide(from, update, reason: "not ours") == .change(from: from, to: to))
    }

    @Test("every illegal transition (backwards, repeated, from a closed status) is refused as illegal-transition", arguments: [
        (ReportStatus.acknowledged, "acknowledged"), (.inProgress, "acknowledged"), (.inProgress, "in_progress"),
        (.resolved, "acknowledged"), (.resolved, "in_progress"), (.resolved, "resolved"), (.resolved, "rejected"),
        (.rejected, "acknowledged"), (.rejected, "in_progress"), (.rejected, "resolved"), (.rejected, "rejected"),
    ])
    func illegal(from: ReportStatus, update: String) {
        #expect(rejection { try decide(from, update, reason: "x") } == "illegal-transition")
    }

    @Test("an update ahead of the report's next step waits for its predecessors (out-of-order), it is not illegal", arguments: [
        (ReportStatus.assigned, "in_progress"), (.assigned, "resolved"), (.acknowledged, "resolved"),
        (.reopened, "in_progress"), (.reopened, "resolved"),
    ])
    func outOfOrder(from: ReportStatus, update: String) {
        #expect(rejection { try decide(from, update) } == "out-of-order")
    }

    @Test("every pair of status and unit update is legal, out of order or illegal, as the lifecycle says")
    func classification() throws {
        let updates: [ReportStatus] = [.acknowledged, .inProgress, .resolved]
        // The whole table: rows the report's status, columns acknowledged, in_progress, resolved.
        let expected: [ReportStatus: [String?]] = [
            .assigned: [nil, "out-of-order", "out-of-order"],
            .acknowledged: ["illegal-transition", nil, "out-of-order"],
            .inProgress: ["illegal-transition", "illegal-transition", nil],
            .resolved: ["illegal-transition", "illegal-transition", "illegal-transition"],
            .rejected: ["illegal-transition", "illegal-transition", "illegal-transition"],
            .reopened: [nil, "out-of-order", "out-of-order"],
        ]
        for status in ReportStatus.lifecycle {
            let row = try #require(expected[status])
            for (update, code) in zip(updates, row) {
                #expect(rejection { try decide(status, update.rawValue) } == code, "\(status.rawValue) → \(update.rawValue)")
                #expect(status.awaitsPredecessor(of: update) == (code == "out-of-order"), "\(status.rawValue) → \(update.rawValue)")
            }
            // A rejection may follow any open status, so it is never waiting for anything.
            #expect(!status.awaitsPredecessor(of: .rejected))
        }
    }

    @Test("a unit that is not the assignee, a rejection without a reason, an unknown status are refused with their reasons")
    func refusals() {
        #expect(rejection { try decide(.assigned, "acknowledged", unit: "roads") } == "wrong-unit")
        #expect(rejection { try decide(.assigned, "rejected") } == "missing-reason")
        #expect(rejection { try decide(.assigned, "rejected", reason: "  ") } == "missing-reason")
        #expect(rejection { try decide(.assigned, "assigned") } == "unknown-status")
        #expect(rejection { try decide(.assigned, "done") } == "unknown-status")
        // The pipeline's statuses are in the shared vocabulary, but no unit sends them.
        for pipeline in [ReportStatus.received, .classified, .routed] {
            #expect(rejection { try decide(.assigned, pipeline.rawValue) } == "unknown-status")
        }
    }

    @Test("referrals: any open status to another known unit; not when closed, not to itself, not to an unknown unit")
    func referrals() throws {
        for status in [ReportStatus.assigned, .acknowledged, .inProgress, .reopened] {
            #expect(try decide(status, "referred", to: "social-affairs") == .refer(from: status, to: "social-affairs"))
        }
        #expect(rejection { try decide(.resolved, "referred", to: "roads") } == "illegal-transition")
        #expect(rejection { try decide(.rejected, "referred", to: "roads") } == "illegal-transition")
        #expect(rejection { try decide(.assigned, "referred", to: "parks") } == "illegal-transition")
        #expect(rejection { try decide(.assigned, "referred", to: "nobody") } == "unknown-unit")
        #expect(rejection { try decide(.assigned, "referred") } == "unknown-unit")
        #expect(rejection { try decide(.assigned, "referred", unit: "roads", to: "waste") } == "wrong-unit")
    }

    @Test("only the council or the reporter reopens, and only a resolved report; the reporter may do nothing else")
    func reopen() throws {
        #expect(try decide(.resolved, "reopened", unit: "council") == .reopen)
        #expect(try decide(.resolved, "reopened", unit: "reporter") == .reopen)
        #expect(rejection { try decide(.resolved, "reopened", unit: "parks") } == "wrong-unit")
        for status in [ReportStatus.assigned, .acknowledged, .inProgress, .rejected, .reopened] {
            #expect(rejection { try decide(status, "reopened", unit: "council") } == "illegal-transition")
            #expect(rejection { try decide(status, "reopened", unit: "reporter") } == "illegal-transition")
        }
        for update in ["acknowledged", "in_progress", "resolved", "referred"] {
            #expect(rejection { try decide(.assigned, update, unit: "reporter", current: "reporter", to: "roads") } == "wrong-unit")
        }
        #expect(rejection { try decide(.resolved, "rejected", unit: "reporter", reason: "no") } == "wrong-unit")
    }

    @Test("a units file may not name a unit council or reporter")
    func reservedUnitCodes() throws {
        for reserved in ["council", "reporter"] {
            let units = router.units.units + [RouterUnit(code: reserved, name: router.units.units[0].name, contact: "x", serviceCodes: [])]
            #expect(throws: UnitsError.self) { try UnitDirectory(units: units, taxonomy: router.taxonomy) }
        }
    }
}
