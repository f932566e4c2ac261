import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import IntakeService
import JSON
import Testing
import TestSupport

/// `POST /api/v1/reports/{id}/status`: a unit's update, checked and queued for the router through the
/// outbox (unit-updates exchange, `<unit>.status`); everything else refused with the reason.
@Suite("Unit status updates through intake") struct StatusUpdateTests {
    /// Creates a report and returns its id.
    private func report(_ http: any TestClientProtocol) async throws -> String {
        let created = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(IntakeFixture.report()))
        return try #require(try IntakeFixture.json(created)["report_id"]?.stringValue)
    }

    private func post(_ http: any TestClientProtocol, _ reportID: String, key: String?, _ body: JSONValue, idempotencyKey: String? = nil) async throws -> TestResponse {
        try await http.execute(
            uri: "/api/v1/reports/\(reportID)/status", method: .post,
            headers: IntakeFixture.headers(key: key, idempotencyKey: idempotencyKey), body: IntakeFixture.bytes(body)
        )
    }

    @Test("a unit's update is 202 and queued once on open137.unit-updates as <unit>.status, valid against the contract")
    func queuesTheUpdate() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let parks = try await fixture.api.keys.create(channel: "unit:parks")
            let reportID = try await report(http)
            let body: JSONValue = ["status": "acknowledged", "note": "تیم فنی فردا می‌رود"]
            let first = try await post(http, reportID, key: parks, body, idempotencyKey: "parks-ack-1")
            #expect(first.status == .accepted)
            #expect(try IntakeFixture.json(first)["unit"]?.stringValue == "parks")
            let document = try JSONSchemaValidator.load(from: RepositoryFiles.path(OpenAPIContractTests.documentPath))
            #expect(document.validate(try IntakeFixture.json(first), at: "/components/schemas/StatusReceipt").isEmpty)
            #expect(document.validate(body, at: "/components/schemas/StatusUpdate").isEmpty)
            let again = try await post(http, reportID, key: parks, body, idempotencyKey: "parks-ack-1")
            #expect(again.status == .accepted)
            #expect(try IntakeFixture.json(again)["update_id"] == IntakeFixture.json(first)["update_id"])
            #expect(try await fixture.scalar("SELECT count(*) FROM outbox WHERE exchange = 'open137.unit-updates' AND routing_key = 'parks.status'") == 1)

            let stored = try #require(try await fixture.text("SELECT convert_from(body, 'UTF8') FROM outbox WHERE routing_key = 'parks.status'"))
            let contract = try AsyncAPIDocument.loadContract()
            #expect(contract.validate(eventBody: Array(stored.utf8), messageName: "UnitStatusUpdate").isEmpty)
            let update = try CloudEvent.decode(Array(stored.utf8)).payload(as: UnitStatusUpdateData.self)
            #expect(update.reportID == reportID && update.unit == "parks" && update.status == "acknowledged")
        }
    }

    @Test("a unit speaks for itself only; report channels' keys and no key are refused")
    func keysAreChecked() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let parks = try await fixture.api.keys.create(channel: "unit:parks")
            let sms = try await fixture.api.keys.create(channel: "sms")
            let reportID = try await report(http)
            let other = try await post(http, reportID, key: parks, ["unit": "roads", "status": "acknowledged"])
            #expect(other.status == .forbidden)
            #expect(try IntakeFixture.json(other)["error"]?["code"]?.stringValue == "unit-not-allowed")
            let channel = try await post(http, reportID, key: sms, ["status": "acknowledged"])
            #expect(try IntakeFixture.json(channel)["error"]?["code"]?.stringValue == "not-a-unit-key")
            #expect(try await post(http, reportID, key: nil, ["status": "acknowledged"]).status == .forbidden)
            let reopen = try await post(http, reportID, key: parks, ["status": "reopened"])
            #expect(try IntakeFixture.json(reopen)["error"]?["code"]?.stringValue == "reopen-not-allowed")
            let council = try await fixture.api.keys.create(channel: "council")
            #expect(try await post(http, reportID, key: council, ["status": "reopened", "note": "the swing is broken again"]).status == .accepted)
            #expect(try await fixture.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'council.status'") == 1)
            #expect(try await fixture.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'parks.status'") == 0)
        }
    }

    @Test("once the read model shows the report at traffic, a parks key is refused (403 not-assigned) and traffic's is queued")
    func onlyTheAssignedUnit() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let parks = try await fixture.api.keys.create(channel: "unit:parks")
            let traffic = try await fixture.api.keys.create(channel: "unit:traffic")
            let reportID = try await report(http)
            // Before routing the router decides (its state machine dead-letters a wrong unit): queued.
            #expect(try await post(http, reportID, key: parks, ["status": "acknowledged"], idempotencyKey: "early").status == .accepted)
            try await fixture.client.withTransaction(logger: TestEnvironment.logger("assigned")) { connection in
                let routed = CloudEvent(source: "/open137/router", type: EventType.reportRouted, subject: reportID,
                                        data: ["report_id": .string(reportID), "unit": "traffic", "deadline": "2030-01-01T00:00:00Z"])
                _ = try await fixture.api.store.applyToReadModel(routed, on: connection)
            }
            let refused = try await post(http, reportID, key: parks, ["status": "acknowledged"])
            #expect(refused.status == .forbidden)
            #expect(try IntakeFixture.json(refused)["error"]?["code"]?.stringValue == "not-assigned")
            #expect(try await post(http, reportID, key: traffic, ["status": "acknowledged"]).status == .accepted)
            #expect(try await fixture.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'parks.status'") == 1)
            #expect(try await fixture.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'traffic.status'") == 1)
        }
    }

    @Test("bad updates are 400s naming the field; an unknown report is 404; nothing is queued", arguments: [
        (["status": JSONValue.string("rejected")], "reason"),
        (["status": "referred"], "referred_to"),
        (["status": "referred", "referred_to": "nowhere"], "referred_to"),
        (["status": "referred", "referred_to": "parks"], "referred_to"),
        (["status": "done"], "status"),
        (["note": "no status"], "status"),
        (["status": "acknowledged", "note": "<b>bold</b>"], "note"),
        (["status": "acknowledged", "colour": "red"], "colour"),
    ] as [(JSONValue, String)])
    func refusesBadUpdates(body: JSONValue, field: String) async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let parks = try await fixture.api.keys.create(channel: "unit:parks")
            let reportID = try await report(http)
            let response = try await post(http, reportID, key: parks, body)
            #expect(response.status == .badRequest)
            let fields = try IntakeFixture.json(response)["error"]?["fields"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []
            #expect(fields.contains(field), "got \(fields)")
            let unknown = try await post(http, UUID().uuidString.lowercased(), key: parks, ["status": "acknowledged"])
            #expect(unknown.status == .notFound)
            let notUUID = try await post(http, "12345", key: parks, ["status": "acknowledged"])
            #expect(notUUID.status == .badRequest)
            #expect(try await fixture.scalar("SELECT count(*) FROM outbox WHERE exchange = 'open137.unit-updates'") == 0)
        }
    }
}

/// `POST /api/v1/track/{code}/reopen`: the reporter reopens a resolved report with its tracking code and
/// the secret given with it; the tracking code alone (public: Open311 lists it) reopens nothing.
@Suite("Reporter reopens through intake") struct ReporterReopenTests {
    private typealias Created = (reportID: String, code: String, secret: String)

    private func create(_ http: any TestClientProtocol) async throws -> Created {
        let created = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(IntakeFixture.report()))
        let receipt = try IntakeFixture.json(created)
        return (try #require(receipt["report_id"]?.stringValue), try #require(receipt["tracking_code"]?.stringValue),
                try #require(receipt["reopen_secret"]?.stringValue))
    }

    /// The unit resolves it (as the read model hears from the router); `at` tells resolutions apart.
    private func resolve(_ fixture: IntakeFixture, _ reportID: String, eventID: String = UUID().uuidString) async throws {
        try await fixture.client.withTransaction(logger: TestEnvironment.logger("reopen")) { connection in
            var resolved = CloudEvent(source: "/open137/router", type: EventType.reportStatusChanged, subject: reportID,
                                      data: ["report_id": .string(reportID), "unit": "parks", "status": "resolved", "note": "تعمیر شد"])
            resolved.id = eventID
            _ = try await fixture.api.store.applyToReadModel(resolved, on: connection)
        }
    }

    private func reopen(_ http: any TestClientProtocol, _ code: String, _ body: JSONValue?) async throws -> TestResponse {
        try await http.execute(uri: "/api/v1/track/\(code)/reopen", method: .post, headers: [.contentType: "application/json"],
                               body: body.map(IntakeFixture.bytes))
    }

    private func errorCode(_ response: TestResponse) throws -> String? {
        try IntakeFixture.json(response)["error"]?["code"]?.stringValue
    }

    @Test("the 201 gives the reporter's secret; only a resolved report is reopened with it — queued once as reporter.status")
    func reopen() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let report = try await create(http)
            #expect(report.secret == IntakeFixture.reopenSecret.secret(forReport: report.reportID))
            let early = try await reopen(http, report.code, ["secret": .string(report.secret)])
            #expect(early.status == .conflict)
            #expect(try errorCode(early) == "not-resolved")

            try await resolve(fixture, report.reportID)
            let body: JSONValue = ["secret": .string(report.secret), "note": "تاب دوباره شکسته است"]
            let first = try await reopen(http, report.code, body)
            let second = try await reopen(http, report.code, body)
            #expect(first.status == .accepted && second.status == .accepted)
            #expect(try await fixture.scalar("SELECT count(*) FROM outbox WHERE exchange = 'open137.unit-updates' AND routing_key = 'reporter.status'") == 1)
            let stored = try #require(try await fixture.text("SELECT convert_from(body, 'UTF8') FROM outbox WHERE routing_key = 'reporter.status'"))
            #expect(try AsyncAPIDocument.loadContract().validate(eventBody: Array(stored.utf8), messageName: "UnitStatusUpdate").isEmpty)
            let update = try CloudEvent.decode(Array(stored.utf8)).payload(as: UnitStatusUpdateData.self)
            #expect(update.unit == "reporter" && update.status == "reopened" && update.note == "تاب دوباره شکسته است")

            var unknown = TrackingCode.random()
            while unknown.digits == report.code { unknown = TrackingCode.random() }
            #expect(try await reopen(http, unknown.digits, ["secret": "12345678"]).status == .notFound)
            #expect(try await reopen(http, "123", ["secret": "12345678"]).status == .badRequest)
            let html = try await reopen(http, report.code, ["secret": .string(report.secret), "note": "<script>x</script>"])
            #expect(html.status == .badRequest)
            let extra = try await reopen(http, report.code, ["secret": .string(report.secret), "colour": "red"])
            #expect(try extra.status == .badRequest && errorCode(extra) == "invalid-request")
        }
    }

    @Test("the tracking code alone, or another report's secret, reopens nothing: 403 with the reason, nothing queued")
    func secretIsRequired() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let report = try await create(http)
            let other = try await create(http)
            try await resolve(fixture, report.reportID)
            let bare = try await http.execute(uri: "/api/v1/track/\(report.code)/reopen", method: .post)
            #expect(bare.status == .forbidden)
            #expect(try errorCode(bare) == "reopen-secret-required")
            let noSecret = try await reopen(http, report.code, ["note": "still broken"])
            #expect(try noSecret.status == .forbidden && errorCode(noSecret) == "reopen-secret-required")
            let wrong = try await reopen(http, report.code, ["secret": .string(other.secret)])
            #expect(wrong.status == .forbidden)
            #expect(try errorCode(wrong) == "reopen-secret-invalid")
            #expect(try await fixture.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'reporter.status'") == 0)
        }
    }

    @Test("five wrong secrets lock the report's public reopen (429, even for the right secret), the count survives each request")
    func wrongSecretsLock() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let report = try await create(http)
            try await resolve(fixture, report.reportID)
            let wrong = report.secret == "00000000" ? "11111111" : "00000000"
            for attempt in 1...5 {
                let response = try await reopen(http, report.code, ["secret": .string(wrong)])
                #expect(response.status == .forbidden, "attempt \(attempt)")
            }
            let locked = try await reopen(http, report.code, ["secret": .string(report.secret)])
            #expect(locked.status == .tooManyRequests)
            #expect(try errorCode(locked) == "reopen-locked")
            #expect(Int(locked.headers[.retryAfter] ?? "") ?? 0 > 60)
            #expect(try await fixture.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'reporter.status'") == 0)
            // Once the lock has passed, the right secret works again.
            try await fixture.client.query("UPDATE reports SET reopen_locked_until = now() - interval '1 second'", logger: TestEnvironment.logger("reopen"))
            #expect(try await reopen(http, report.code, ["secret": .string(report.secret)]).status == .accepted)
        }
    }

    @Test("a reporter reopens one report at most three times; the fourth resolution stays resolved (409 reopen-limit)")
    func reopeningsAreCapped() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let report = try await create(http)
            for round in 1...3 {
                try await resolve(fixture, report.reportID)
                #expect(try await reopen(http, report.code, ["secret": .string(report.secret)]).status == .accepted, "round \(round)")
                // The router moves it on; the next resolution comes later (events carry their time to the millisecond).
                try await fixture.client.query("UPDATE reports SET status = 'reopened'", logger: TestEnvironment.logger("reopen"))
                try await Task.sleep(for: .milliseconds(20))
            }
            try await resolve(fixture, report.reportID)
            let fourth = try await reopen(http, report.code, ["secret": .string(report.secret)])
            #expect(fourth.status == .conflict)
            #expect(try errorCode(fourth) == "reopen-limit")
            #expect(try await fixture.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'reporter.status'") == 3)
        }
    }

    @Test("one address may try a few reopenings a minute; past that 429 before any secret is checked")
    func perAddressLimit() async throws {
        var options = IntakeFixture.Options()
        options.reopensPerAddress = 3
        try await IntakeFixture.withAPI(options) { fixture, http in
            let report = try await create(http)
            for _ in 1...3 {
                #expect(try await reopen(http, report.code, ["secret": .string(report.secret)]).status == .conflict)
            }
            let limited = try await reopen(http, report.code, ["secret": .string(report.secret)])
            #expect(limited.status == .tooManyRequests)
            #expect(try errorCode(limited) == "rate-limited")
        }
    }
}
