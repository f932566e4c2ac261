import Contracts
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import IntakeService
import JSON
import Testing
import TestSupport

/// The native HTTP API against the real server and database: what a channel gets back, on the good
/// path and on every bad one.
@Suite("Native API") struct NativeAPITests {
    @Test("a valid report is stored with its report.received event and answered 201 with its tracking code")
    func acceptsAReport() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let response = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(IntakeFixture.report()))
            #expect(response.status == .created)
            let body = try IntakeFixture.json(response)
            let code = try #require(body["tracking_code"]?.stringValue)
            let reportID = try #require(body["report_id"]?.stringValue)
            #expect(TrackingCode(parsing: code) != nil)
            #expect(UUID(uuidString: reportID) != nil)
            #expect(body["status"]?.stringValue == "received")
            #expect(body["links"]?["track"]?.stringValue == "/api/v1/track/\(code)")
            #expect(response.headers[.location] == "/api/v1/track/\(code)")

            // The report and its event were committed together.
            #expect(try await fixture.scalar("SELECT count(*) FROM reports WHERE tracking_code = \(code)") == 1)
            #expect(try await fixture.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'report.received'") == 1)
            // The phone was normalised to E.164 (stored only for the units and the notifier).
            #expect(try await fixture.text("SELECT contact_phone FROM reports WHERE tracking_code = \(code)") == "+989121234567")
            let event = try #require(try await fixture.text("SELECT convert_from(body, 'UTF8') FROM outbox"))
            let decoded = try CloudEvent.decode(Array(event.utf8))
            let data = try decoded.payload(as: ReportReceivedData.self)
            #expect(decoded.subject == reportID)
            #expect(data.trackingCode == code)
            #expect(data.serviceCode == "CFC-PLAY")
            #expect(data.contact?.phone == "+989121234567")
        }
    }

    @Test("tracking shows status and history, never the description or the reporter's contact")
    func tracksWithoutPersonalData() async throws {
        try await IntakeFixture.withAPI { _, http in
            let created = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(IntakeFixture.report()))
            let code = try #require(try IntakeFixture.json(created)["tracking_code"]?.stringValue)
            let response = try await http.execute(uri: "/api/v1/track/\(code)", method: .get)
            #expect(response.status == .ok)
            let text = String(buffer: response.body)
            let body = try IntakeFixture.json(response)
            #expect(body["status"]?.stringValue == "received")
            #expect(body["service_code"]?.stringValue == "CFC-PLAY")
            #expect(body["service_name"]?.stringValue == "زمین بازی کودکان")
            #expect(body["history"]?.arrayValue?.count == 1)
            for secret in ["Canary", "canary@example.org", "9121234567", "۰۹۱۲", "تاب پارک"] {
                #expect(!text.contains(secret), "tracking leaked \(secret)")
            }
            // Spaces, dashes and Persian digits are how people read codes out; they find the same report.
            let spaced = code.prefix(4) + " " + code.dropFirst(4)
            let persian = String(code.map { Character(Unicode.Scalar(0x6F0 + Int(String($0))!)!) })
            for variant in [String(spaced).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)!, persian.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)!] {
                let again = try await http.execute(uri: "/api/v1/track/\(variant)", method: .get)
                #expect(again.status == .ok)
            }
            let english = try await http.execute(uri: "/api/v1/track/\(code)", method: .get, headers: [.acceptLanguage: "en-US"])
            #expect(try IntakeFixture.json(english)["service_name"]?.stringValue == "Children's playgrounds")
        }
    }

    @Test("a mistyped tracking code is a 400 that says so; an unknown valid one is a 404")
    func trackingErrors() async throws {
        try await IntakeFixture.withAPI { _, http in
            let created = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(IntakeFixture.report()))
            let code = try #require(try IntakeFixture.json(created)["tracking_code"]?.stringValue)
            var swapped = Array(code)
            if swapped[2] == swapped[3] { swapped[3] = swapped[3] == "1" ? "2" : "1" } else { swapped.swapAt(2, 3) }
            let mistyped = try await http.execute(uri: "/api/v1/track/\(String(swapped))", method: .get)
            #expect(mistyped.status == .badRequest)
            #expect(try IntakeFixture.json(mistyped)["error"]?["code"]?.stringValue == "invalid-tracking-code")
            var unknown = TrackingCode.random()
            while unknown.digits == code { unknown = TrackingCode.random() }
            let missing = try await http.execute(uri: "/api/v1/track/\(unknown.digits)", method: .get)
            #expect(missing.status == .notFound)
            #expect(try IntakeFixture.json(missing)["error"]?["code"]?.stringValue == "not-found")
        }
    }

    @Test("without a key, or with an unknown key, a POST is 403 and nothing is stored")
    func requiresAKey() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            for headers in [IntakeFixture.headers(key: nil), IntakeFixture.headers(key: "not-a-key-of-ours-at-all"), [.authorization: "Basic abc"]] {
                let response = try await http.execute(uri: "/api/v1/reports", method: .post, headers: headers, body: IntakeFixture.bytes(IntakeFixture.report()))
                #expect(response.status == .forbidden)
                #expect(try IntakeFixture.json(response)["error"]?["code"]?.stringValue == "forbidden")
            }
            #expect(try await fixture.scalar("SELECT count(*) FROM reports") == 0)
        }
    }

    @Test("a channel's key submits for its own channel only; created keys are stored hashed")
    func channelKeys() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let smsKey = try await fixture.api.keys.create(channel: "sms")
            #expect(try await fixture.scalar("SELECT count(*) FROM api_keys WHERE key_hash = sha256(\(smsKey)::bytea)") == 1)
            #expect(try await fixture.scalar("SELECT count(*) FROM api_keys WHERE encode(key_hash, 'escape') LIKE '%' || \(smsKey) || '%'") == 0)
            let own = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(key: smsKey), body: IntakeFixture.bytes(IntakeFixture.report(["channel": .string("sms")])))
            #expect(own.status == .created)
            let other = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(key: smsKey), body: IntakeFixture.bytes(IntakeFixture.report(["channel": .string("1888-web")])))
            #expect(other.status == .forbidden)
            #expect(try IntakeFixture.json(other)["error"]?["code"]?.stringValue == "channel-not-allowed")
        }
    }

    @Test("every bad field is a 400 naming the field and the problem; nothing is stored", arguments: [
        (["description": JSONValue.null], "description", "required"),
        (["description": .string("   ")], "description", "required"),
        (["description": .number(5)], "description", "wrong-type"),
        (["description": .string("سلام <script>alert(1)</script>")], "description", "html-not-allowed"),
        (["description": .string(String(repeating: "ب", count: 4_001))], "description", "too-long"),
        (["channel": .string("fax")], "channel", "invalid-value"),
        (["service_code": .string("CFC-NOPE")], "service_code", "unknown-service-code"),
        (["location": .object(["lat": .number(48.85), "long": .number(2.35)])], "location", "outside-city"),
        (["location": .object(["lat": .string("35.7"), "long": .number(51.4)])], "location.lat", "wrong-type"),
        (["location": .object(["address": .string("خیابان ولیعصر")])], "location.district", "required"),
        (["location": .object(["address": .string("خیابان ولیعصر"), "district": .number(23)])], "location.district", "invalid-value"),
        (["location": JSONValue.null], "location", "required"),
        // A blank address is no address: without coordinates there is nowhere to send anyone.
        (["location": .object(["address": .string(""), "district": .number(5)])], "location", "required"),
        (["location": .object(["address": .string(" \n\t "), "district": .number(5)])], "location", "required"),
        (["reporter": .object(["phone": .string("0212345678")])], "reporter.phone", "invalid-phone"),
        (["reporter": .object(["email": .string("not-an-email")])], "reporter.email", "invalid-email"),
        (["reporter": .object(["type": .string("robot")])], "reporter.type", "invalid-value"),
        (["reporter": .object(["phone": .string("09121234567"), "notify": .string("no")])], "reporter.notify", "wrong-type"),
        (["attributes": .object(["equipment": .string("trampoline")])], "attributes.equipment", "invalid-value"),
        (["attributes": .object(["colour": .string("red")])], "attributes.colour", "unknown-attribute"),
        (["contact_allowed": .string("yes")], "contact_allowed", "wrong-type"),
        (["media_urls": .array([.string("javascript:alert(1)")])], "media_urls[0]", "invalid-url"),
        (["surprise": .bool(true)], "surprise", "unknown-field"),
    ] as [([String: JSONValue], String, String)])
    func rejectsBadFields(overrides: [String: JSONValue], field: String, code: String) async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let response = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(IntakeFixture.report(overrides)))
            #expect(response.status == .badRequest)
            let body = try IntakeFixture.json(response)
            #expect(body["error"]?["code"]?.stringValue == "invalid-request")
            let fields = body["error"]?["fields"]?.arrayValue ?? []
            #expect(fields.contains { $0["field"]?.stringValue == field && $0["code"]?.stringValue == code }, "got \(fields)")
            #expect(try await fixture.scalar("SELECT count(*) FROM reports") == 0)
        }
    }

    @Test("malformed JSON, a non-object body, a wrong content type and an oversize body get their 4xx")
    func rejectsBadBodies() async throws {
        try await IntakeFixture.withAPI(.init(maxBodyBytes: 2_048)) { fixture, http in
            let malformed = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: ByteBuffer(string: #"{"channel": "web", "description": "#))
            #expect(malformed.status == .badRequest)
            #expect(try IntakeFixture.json(malformed)["error"]?["code"]?.stringValue == "malformed-json")
            let array = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: ByteBuffer(string: "[1, 2]"))
            #expect(array.status == .badRequest)
            var formHeaders = IntakeFixture.headers()
            formHeaders[.contentType] = "application/x-www-form-urlencoded"
            let form = try await http.execute(uri: "/api/v1/reports", method: .post, headers: formHeaders, body: ByteBuffer(string: "description=x"))
            #expect(form.status == .unsupportedMediaType)
            let huge = IntakeFixture.report(["description": .string(String(repeating: "a", count: 3_000))])
            let oversize = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(huge))
            #expect(oversize.status == .contentTooLarge)
            #expect(try IntakeFixture.json(oversize)["error"]?["code"]?.stringValue == "body-too-large")
            let wrongMethod = try await http.execute(uri: "/api/v1/reports", method: .delete)
            #expect((400..<500).contains(wrongMethod.status.code))
            #expect(try await fixture.scalar("SELECT count(*) FROM reports") == 0)
        }
    }

    @Test("the same Idempotency-Key and body return the first report; another body is a 409")
    func idempotency() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let headers = IntakeFixture.headers(idempotencyKey: "call-2026-11-29-0001")
            let body = IntakeFixture.bytes(IntakeFixture.report())
            let first = try await http.execute(uri: "/api/v1/reports", method: .post, headers: headers, body: body)
            let second = try await http.execute(uri: "/api/v1/reports", method: .post, headers: headers, body: body)
            #expect(first.status == .created)
            #expect(second.status == .created)
            #expect(try IntakeFixture.json(first)["tracking_code"] == IntakeFixture.json(second)["tracking_code"])
            #expect(second.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let other = try await http.execute(uri: "/api/v1/reports", method: .post, headers: headers, body: IntakeFixture.bytes(IntakeFixture.report(["description": .string("چیز دیگری")])))
            #expect(other.status == .conflict)
            #expect(try IntakeFixture.json(other)["error"]?["code"]?.stringValue == "idempotency-conflict")
            #expect(try await fixture.scalar("SELECT count(*) FROM reports") == 1)
            #expect(try await fixture.scalar("SELECT count(*) FROM outbox") == 1)
        }
    }

    @Test("the same key sent concurrently stores one report")
    func concurrentIdempotency() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let headers = IntakeFixture.headers(idempotencyKey: "retry-storm")
            let body = IntakeFixture.bytes(IntakeFixture.report())
            let codes = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let response = try await http.execute(uri: "/api/v1/reports", method: .post, headers: headers, body: body)
                        return try IntakeFixture.json(response)["tracking_code"]?.stringValue
                    }
                }
                return try await group.reduce(into: Set<String?>()) { $0.insert($1) }
            }
            #expect(codes.count == 1 && codes.first! != nil)
            #expect(try await fixture.scalar("SELECT count(*) FROM reports") == 1)
        }
    }

    @Test("keyed reports handed in at once are stored together (group commit): each key keeps its own report, a retry of any answers its first")
    func keyedReportsInGroups() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let count = 40
            let body = IntakeFixture.bytes(IntakeFixture.report())
            let draft = try fixture.api.validator.validate(IntakeFixture.report())
            // The test's HTTP client sends one request at a time, so the writer is called as the server's
            // concurrent requests call it; the key's scope and hash are what the API would give them.
            let scope = try #require(try await fixture.api.keys.identity(of: IntakeFixture.developmentKey)?.keyID)
            let hash = Array(SHA256.hash(data: Data(buffer: body)))
            let first = try await withThrowingTaskGroup(of: (String, AcceptedReport).self) { group in
                for index in 0..<count {
                    group.addTask {
                        let claim = IdempotencyClaim(scope: scope, key: "key-\(index)", requestHash: hash)
                        return ("key-\(index)", try await fixture.api.writer.write(draft, idempotency: claim))
                    }
                }
                return try await group.reduce(into: [String: AcceptedReport]()) { $0[$1.0] = $1.1 }
            }
            #expect(Set(first.values.map(\.reportID)).count == count)
            #expect(first.values.allSatisfy { !$0.replayed })
            #expect(try await fixture.scalar("SELECT count(*) FROM reports") == count)
            #expect(try await fixture.scalar("SELECT count(*) FROM outbox") == count)
            #expect(try await fixture.scalar("SELECT count(*) FROM idempotency_keys") == count)
            // Rows written by one transaction share its xmin: fewer transactions than reports means batches.
            #expect(try await fixture.scalar("SELECT count(DISTINCT xmin::text) FROM reports") < count)
            // A retry over HTTP is answered from the report its key's first answer named.
            let retry = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(idempotencyKey: "key-7"), body: body)
            #expect(retry.status == .created)
            #expect(retry.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(try IntakeFixture.json(retry)["report_id"]?.stringValue == first["key-7"]?.reportID.uuidString.lowercased())
            #expect(try await fixture.scalar("SELECT count(*) FROM reports") == count)
        }
    }

    @Test("past the per-key limit a POST is 429 with Retry-After")
    func rateLimit() async throws {
        try await IntakeFixture.withAPI(.init(ratePerKey: 2)) { _, http in
            var statuses: [HTTPResponse.Status] = []
            var retryAfter: String?
            for _ in 0..<4 {
                let response = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(IntakeFixture.report()))
                statuses.append(response.status)
                if response.status == .tooManyRequests {
                    retryAfter = response.headers[.retryAfter]
                    #expect(try IntakeFixture.json(response)["error"]?["code"]?.stringValue == "rate-limited")
                }
            }
            #expect(statuses.prefix(2).allSatisfy { $0 == .created })
            #expect(statuses.contains(.tooManyRequests))
            #expect(Int(retryAfter ?? "") ?? 0 >= 1)
        }
    }

    @Test("an unknown route is a JSON 404, not an HTML page")
    func unknownRoute() async throws {
        try await IntakeFixture.withAPI { _, http in
            let response = try await http.execute(uri: "/api/v1/nothing-here", method: .get)
            #expect(response.status == .notFound)
            #expect(try IntakeFixture.json(response)["error"]?["code"]?.stringValue == "not-found")
        }
    }
}
