import Contracts
@testable import CouncilAuditService
import Foundation
@testable import IntakeService
import JSON
import RouterService
import Testing
import TestSupport
import WebAPI

/// The one status vocabulary (``ReportStatus``, Contracts): its raw values are the wire's words, its sets
/// are what `contracts/asyncapi.yaml` documents, and the services that check statuses against it (intake's
/// status updates, the council's filter and read model) answer as they did with their own string sets.
@Suite("Report status vocabulary")
struct ReportStatusTests {
    @Test("the raw values are the wire's words, in a report's order")
    func rawValues() {
        #expect(ReportStatus.allCases.map(\.rawValue) == [
            "received", "classified", "routed", "assigned", "acknowledged", "in_progress", "resolved", "rejected", "referred", "reopened",
        ])
        #expect(ReportStatus.held == Set(ReportStatus.allCases).subtracting([.referred]))
    }

    @Test("an update's statuses and the router's lifecycle are the contract's enums")
    func matchesContract() throws {
        let contract = try AsyncAPIDocument.loadContract()
        func strings(_ pointer: String) throws -> [String] {
            let values = try #require(contract.root.value(at: pointer)?.arrayValue, "\(pointer)")
            return values.compactMap { $0.stringValue }
        }
        let documentedUpdates = try strings("/components/schemas/UnitStatusUpdateData/properties/status/enum")
        #expect(Set(documentedUpdates) == Set(ReportStatus.unitReported.map(\.rawValue)))
        #expect(documentedUpdates.count == ReportStatus.unitReported.count)
        // `report.status-changed`'s `status` and `from_status`: the router's lifecycle, in order.
        let documentedStatuses = try strings("/components/schemas/ReportStatus/enum")
        #expect(documentedStatuses == ReportStatus.allCases.filter(ReportStatus.lifecycle.contains).map(\.rawValue))
    }

    @Test("intake refuses a status no update may ask for with the same message as before", arguments: ["done", "received", "assigned", "routed"])
    func intakeRefusesStatus(status: String) throws {
        let error = try #require(throws: APIError.self) {
            try IntakeAPI.statusUpdate(["status": .string(status)], reportID: UUID(), keyUnit: "parks")
        }
        #expect(error.fields == [FieldProblem(
            field: "status", code: "invalid-value", message: "one of acknowledged, in_progress, referred, rejected, reopened, resolved"
        )])
    }

    @Test("intake accepts every status an update may ask for (with what each needs)")
    func intakeAcceptsStatuses() throws {
        let id = UUID()
        for status in ReportStatus.unitReported {
            let fields: [String: JSONValue] = [
                "unit": .string(status == .reopened ? "council" : "parks"), "status": .string(status.rawValue),
                "reason": "not ours", "referred_to": "roads",
            ]
            let update = try IntakeAPI.statusUpdate(fields, reportID: id, keyUnit: nil)
            #expect(update.status == status.rawValue)
        }
    }

    @Test("the council's filter takes every status a report can be in, and refuses others with the same message as before")
    func councilFilter() throws {
        for status in ReportStatus.held {
            #expect(try ReportFilter(parameters: ["status": status.rawValue]).status == status.rawValue)
        }
        for status in ["referred", "lost"] {
            let error = try #require(throws: FilterError.self) { try ReportFilter(parameters: ["status": status]) }
            #expect(error == FilterError(
                parameter: "status",
                message: "status must be one of acknowledged, assigned, classified, in_progress, received, rejected, reopened, resolved, routed"
            ))
        }
    }

    @Test("the council's read model: a unit's first action, assignment and closing times by the status; an unknown status is kept but sets nothing")
    func councilPatch() throws {
        func patch(_ status: String) throws -> ReportPatch {
            try #require(ReportPatch(
                type: EventType.reportStatusChanged, reportID: UUID(),
                data: ["status": .string(status), "unit": "parks", "reason": "no", "at": "2025-10-01T08:00:00Z"], eventTime: nil))
        }
        for status in ["acknowledged", "in_progress", "resolved", "rejected"] {
            #expect(try patch(status).firstActionAt != nil, "\(status)")
        }
        let assigned = try patch("assigned")
        #expect(assigned.assignedAt != nil && assigned.firstActionAt == nil)
        #expect(try patch("resolved").resolvedAt != nil)
        #expect(try patch("rejected").rejectedReason == "no")
        #expect(try patch("reopened").reopened == 1)
        let unknown = try patch("done")
        #expect(unknown.status == "done")
        #expect(unknown.assignedAt == nil && unknown.firstActionAt == nil && unknown.resolvedAt == nil && unknown.rejectedReason == nil && unknown.reopened == 0)
        let received = try #require(ReportPatch(type: EventType.reportReceived, reportID: UUID(), data: [:], eventTime: nil))
        #expect(received.earlyStatus == "received")
    }
}
