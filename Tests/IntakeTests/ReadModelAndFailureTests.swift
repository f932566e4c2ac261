import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import IntakeService
import JSON
import Logging
import PostgresNIO
import Testing
import TestSupport

/// The read model follows later events (in any order), a database outage is a 503 that stores nothing,
/// and personal data never reaches a log.
@Suite("Intake read model and failures") struct ReadModelAndFailureTests {
    private func event(_ type: String, report reportID: String, at time: Date, data: JSONValue) -> CloudEvent {
        CloudEvent(source: "/open137/test", type: type, time: time, subject: reportID, data: data)
    }

    private func apply(_ event: CloudEvent, _ fixture: IntakeFixture) async throws {
        try await fixture.client.withTransaction(logger: TestEnvironment.logger("read-model")) { connection in
            _ = try await fixture.api.store.applyToReadModel(event, on: connection)
        }
    }

    @Test("classified, routed and status events update tracking and history; an older event never overwrites a newer status")
    func readModelFollowsEvents() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let created = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(IntakeFixture.report(["service_code": .null, "attributes": .null])))
            let receipt = try IntakeFixture.json(created)
            let reportID = try #require(receipt["report_id"]?.stringValue)
            let code = try #require(receipt["tracking_code"]?.stringValue)
            let start = Date()
            try await apply(event(EventType.reportClassified, report: reportID, at: start, data: [
                "report": ["report_id": .string(reportID)],
                "classification": ["service_code": "CFC-PLAY", "child_friendly": true, "priority": "P0"],
            ]), fixture)
            try await apply(event(EventType.reportRouted, report: reportID, at: start + 1, data: [
                "report_id": .string(reportID), "unit": "parks", "deadline": "2026-12-01T08:00:00Z",
            ]), fixture)
            let resolved = event(EventType.reportStatusChanged, report: reportID, at: start + 10, data: [
                "report_id": .string(reportID), "status": "resolved", "note": "تاب تعمیر شد",
            ])
            try await apply(resolved, fixture)
            // Handled late, out of order: an acknowledgement from before the resolution.
            try await apply(event(EventType.reportStatusChanged, report: reportID, at: start + 5, data: [
                "report_id": .string(reportID), "status": "acknowledged", "note": "دیدیم",
            ]), fixture)
            // A redelivered event adds no second history row.
            try await apply(resolved, fixture)

            let tracking = try IntakeFixture.json(try await http.execute(uri: "/api/v1/track/\(code)", method: .get))
            #expect(tracking["status"]?.stringValue == "resolved")
            #expect(tracking["status_notes"]?.stringValue == "تاب تعمیر شد")
            #expect(tracking["service_code"]?.stringValue == "CFC-PLAY")
            #expect(tracking["child_friendly"]?.boolValue == true)
            #expect(tracking["unit"]?.stringValue == "parks")
            #expect(tracking["deadline"]?.stringValue == "2026-12-01T08:00:00Z")
            let history = tracking["history"]?.arrayValue?.compactMap { $0["status"]?.stringValue }
            #expect(history == ["received", "classified", "assigned", "acknowledged", "resolved"])
        }
    }

    @Test("one batch holding several events of one report applies them in rounds, in order; a repeated id is a duplicate, an unknown report is named")
    func batchWithSeveralEventsOfOneReport() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let created = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(IntakeFixture.report()))
            let receipt = try IntakeFixture.json(created)
            let reportID = try #require(receipt["report_id"]?.stringValue)
            let code = try #require(receipt["tracking_code"]?.stringValue)
            let start = Date()
            let resolved = event(EventType.reportStatusChanged, report: reportID, at: start + 10, data: ["status": "resolved", "note": "done"])
            let events = [
                event(EventType.reportClassified, report: reportID, at: start, data: [
                    "classification": ["service_code": "CFC-PLAY", "child_friendly": true, "priority": "P0"],
                ]),
                event(EventType.reportRouted, report: reportID, at: start + 1, data: ["unit": "parks", "deadline": "2026-12-01T08:00:00Z"]),
                resolved,
                event(EventType.reportStatusChanged, report: reportID, at: start + 5, data: ["status": "acknowledged", "note": "late"]),
                resolved,
                event(EventType.reportRouted, report: UUID().uuidString.lowercased(), at: start, data: ["unit": "parks"]),
            ].compactMap(ReadModelEvent.init)
            #expect(events.count == 6)
            let outcomes = try await fixture.client.withTransaction(logger: TestEnvironment.logger("read-model")) { connection in
                try await fixture.api.store.applyToReadModel(events, on: connection)
            }
            #expect(outcomes == [.applied, .applied, .applied, .applied, .duplicate, .unknownReport])
            let tracking = try IntakeFixture.json(try await http.execute(uri: "/api/v1/track/\(code)", method: .get))
            #expect(tracking["status"]?.stringValue == "resolved")
            #expect(tracking["status_notes"]?.stringValue == "done")
            #expect(tracking["service_code"]?.stringValue == "CFC-PLAY")
            #expect(tracking["unit"]?.stringValue == "parks")
            let history = tracking["history"]?.arrayValue?.compactMap { $0["status"]?.stringValue }
            #expect(history == ["received", "classified", "assigned", "acknowledged", "resolved"])
            // A read-model event intake does not show (another type) is not an item at all.
            #expect(ReadModelEvent(event(EventType.reportReceived, report: reportID, at: start, data: [:])) == nil)
        }
    }

    @Test("an event of a report intake never stored changes nothing")
    func unknownReportIsSkipped() async throws {
        try await IntakeFixture.withAPI { fixture, _ in
            let stray = event(EventType.reportRouted, report: UUID().uuidString.lowercased(), at: Date(), data: ["unit": "parks"])
            let applied = try await fixture.client.withTransaction(logger: TestEnvironment.logger("read-model")) { connection in
                try await fixture.api.store.applyToReadModel(stray, on: connection)
            }
            #expect(!applied)
        }
    }

    @Test("with the database down a POST is 503 with Retry-After, and the answer says nothing was stored")
    func databaseDown() async throws {
        // Nothing listens on this port: the database is down.
        var configuration = PostgresClient.Configuration(host: "127.0.0.1", port: try freePort(), username: "postgres", password: nil, database: "open137", tls: .disable)
        configuration.options.connectTimeout = .seconds(1)
        let logger = TestEnvironment.logger("intake-db-down")
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            let fixture = try IntakeFixture.make(client: client, schema: "intake", options: .init(), logger: logger)
            group.addTask { try await fixture.api.writer.run() }
            let app = Application(router: fixture.api.makeRouter(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
            try await app.test(.live) { http in
                let response = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(IntakeFixture.report()))
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "2")
                #expect(try IntakeFixture.json(response)["error"]?["code"]?.stringValue == "unavailable")
                // Tracking needs the database too: also a 503, never a 500.
                let tracking = try await http.execute(uri: "/api/v1/track/\(TrackingCode.random().digits)", method: .get)
                #expect(tracking.status == .serviceUnavailable)
            }
            group.cancelAll()
        }
    }

    @Test("a canary name, phone and e-mail never appear in the logs, on good and bad requests alike")
    func noPersonalDataInLogs() async throws {
        let recorder = LogRecorder()
        try await IntakeFixture.withAPI(.init(logger: recorder.logger("intake"))) { _, http in
            let reporter: JSONValue = ["name": "Canarybird Zarghami", "phone": "09127654321", "email": "canary.bird@example.org"]
            _ = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(IntakeFixture.report(["reporter": reporter])))
            let badPhone: JSONValue = ["name": "Canarybird Zarghami", "phone": "0912765432199999", "email": "canary.bird@example.org"]
            _ = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(IntakeFixture.report(["reporter": badPhone])))
            _ = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: ByteBuffer(string: #"{"reporter": {"name": "Canarybird Zarghami", "phone": "09127654321""#))
        }
        let logs = recorder.text
        #expect(logs.contains("report accepted"), "the recorder saw the requests")
        for canary in ["Canarybird", "Zarghami", "7654321", "canary.bird"] {
            #expect(!logs.contains(canary), "the logs contain \(canary)")
        }
    }
}
