import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import IntakeService
import Testing
import TestSupport

/// What the public sees of a unit's words, and what the development key may do.
@Suite("Public views and the development key") struct PublicViewPrivacyTests {
    @Test("a unit's note quoting a phone number or e-mail is masked in tracking, its history and Open311 status_notes")
    func unitNotesAreMasked() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let created = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(IntakeFixture.report()))
            let receipt = try IntakeFixture.json(created)
            let reportID = try #require(receipt["report_id"]?.stringValue)
            let code = try #require(receipt["tracking_code"]?.stringValue)
            let note = "با آقای رضایی ۰۹۱۲۳۴۵۶۷۸۹ هماهنگ شد؛ or write to canary.note@example.org, +98 912 345 6789"
            try await fixture.client.withTransaction(logger: TestEnvironment.logger("notes")) { connection in
                let event = CloudEvent(source: "/open137/router", type: EventType.reportStatusChanged, subject: reportID,
                                       data: .object(["report_id": .string(reportID), "unit": "parks", "status": "in_progress", "note": .string(note)]))
                _ = try await fixture.api.store.applyToReadModel(event, on: connection)
            }
            for path in ["/api/v1/track/\(code)", "/open311/v2/requests/\(code).json", "/open311/v2/requests/\(code).xml"] {
                let response = try await http.execute(uri: path, method: .get)
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                for canary in ["۰۹۱۲۳۴۵۶۷۸۹", "canary.note@example.org", "912 345 6789"] {
                    #expect(!body.contains(canary), "\(path) shows \(canary)")
                }
                #expect(body.contains("[phone]") && body.contains("[email]"), "\(path): \(body)")
            }
            let tracking = try IntakeFixture.json(try await http.execute(uri: "/api/v1/track/\(code)", method: .get))
            #expect(tracking["history"]?.arrayValue?.contains { $0["note"]?.stringValue?.contains("[phone]") == true } == true)
        }
    }

    @Test("the development key submits reports but posts no status update unless configured to act for units")
    func developmentKeyOnlySubmits() async throws {
        let update = IntakeFixture.bytes(["unit": "parks", "status": "acknowledged"])
        try await IntakeFixture.withAPI { _, http in
            let created = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(IntakeFixture.report()))
            #expect(created.status == .created)
            let reportID = try #require(try IntakeFixture.json(created)["report_id"]?.stringValue)
            let refused = try await http.execute(uri: "/api/v1/reports/\(reportID)/status", method: .post, headers: IntakeFixture.headers(), body: update)
            #expect(refused.status == .forbidden)
            #expect(try IntakeFixture.json(refused)["error"]?["code"]?.stringValue == "not-a-unit-key")
        }
        var options = IntakeFixture.Options()
        options.developmentKeyActsForUnits = true
        try await IntakeFixture.withAPI(options) { _, http in
            let created = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(IntakeFixture.report()))
            let reportID = try #require(try IntakeFixture.json(created)["report_id"]?.stringValue)
            let allowed = try await http.execute(uri: "/api/v1/reports/\(reportID)/status", method: .post, headers: IntakeFixture.headers(), body: update)
            #expect(allowed.status == .accepted)
        }
    }
}
