import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntakeService
import Testing
import TestSupport

/// Open311 `POST requests` against the real server and database: a form-encoded report is stored like a
/// native one (channel `open311`), answered with its tracking code, readable back in both formats
/// without personal data; every bad request is the spec's error and stores nothing.
@Suite("Open311 POST requests") struct Open311SubmitTests {
    @Test("a form-encoded report is stored on channel open311 and answered 200 with its service_request_id")
    func submits() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let response = try await http.execute(
                uri: "/open311/v2/requests.json", method: .post, headers: Open311Test.formHeaders, body: Open311Test.form(Open311Test.submission())
            )
            #expect(response.status == .ok)
            let body = try IntakeFixture.json(response)
            let item = try #require(body.arrayValue?.first)
            #expect(body.arrayValue?.count == 1)
            // Swagger 2 cannot say "string or null": account_id (null, as in the spec's example) is checked apart.
            #expect(item["account_id"] == .null)
            var withoutAccount = try #require(item.objectValue)
            withoutAccount["account_id"] = nil
            try Open311Test.expectValid(.object(withoutAccount), "swagger.json", at: "/definitions/RequestResponse")
            let code = try #require(item["service_request_id"]?.stringValue)
            #expect(TrackingCode(parsing: code)?.digits == code)
            #expect(item["token"] == nil)
            #expect(item["service_notice"]?.stringValue?.contains(code) == true)

            #expect(try await fixture.text("SELECT channel FROM reports WHERE tracking_code = \(code)") == "open311")
            #expect(try await fixture.text("SELECT requested_service_code FROM reports WHERE tracking_code = \(code)") == "CFC-PLAY")
            #expect(try await fixture.text("SELECT attributes::text FROM reports WHERE tracking_code = \(code)") == #"{"equipment": "slide", "park_name": "پارک لاله"}"#)
            #expect(try await fixture.text("SELECT contact_name FROM reports WHERE tracking_code = \(code)") == "Canary Reporter")
            #expect(try await fixture.text("SELECT contact_phone FROM reports WHERE tracking_code = \(code)") == "+989121234567")
            #expect(try await fixture.text("SELECT contact_email FROM reports WHERE tracking_code = \(code)") == "canary@example.org")
            #expect(try await fixture.text("SELECT media_urls::text FROM reports WHERE tracking_code = \(code)") == #"["https://media.example.org/p/2.jpg"]"#)
            #expect(try await fixture.text("SELECT lat::text || ',' || long::text FROM reports WHERE tracking_code = \(code)") == "35.7,51.4")
            // Contact is off unless the reporter allowed it (the contact_allowed extension).
            #expect(try await fixture.scalar("SELECT count(*) FROM reports WHERE tracking_code = \(code) AND NOT contact_allowed") == 1)
            #expect(try await fixture.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'report.received'") == 1)
            // device_id and account_id identify a person and are not kept anywhere.
            #expect(try await fixture.scalar("SELECT count(*) FROM reports WHERE row_to_json(reports)::text LIKE '%canary-42%'") == 0)
            #expect(try await fixture.scalar("SELECT count(*) FROM outbox WHERE convert_from(body, 'UTF8') LIKE '%canary-42%'") == 0)

            // Read back: one request, valid against the schema, in both formats, without personal data.
            let json = try await http.execute(uri: "/open311/v2/requests/\(code).json", method: .get)
            let read = try IntakeFixture.json(json)
            try Open311Test.expectValid(read, "requests.json")
            let request = try #require(read.arrayValue?.first)
            #expect(read.arrayValue?.count == 1)
            #expect(request["service_request_id"]?.stringValue == code)
            #expect(request["status"]?.stringValue == "open")
            #expect(request["service_code"]?.stringValue == "CFC-PLAY")
            #expect(request["service_name"]?.stringValue == "زمین بازی کودکان")
            #expect(request["lat"]?.numberValue == 35.7)
            #expect(request["long"]?.numberValue == 51.4)
            #expect(request["media_url"]?.stringValue == "https://media.example.org/p/2.jpg")
            #expect(request["description"]?.stringValue?.contains("سرسره") == true)
            let xml = try await http.execute(uri: "/open311/v2/requests/\(code).xml", method: .get)
            try Open311Test.expectSameDocument(json: json, xml: xml, root: "service_requests", item: "request")
            for text in [String(buffer: json.body), String(buffer: xml.body)] {
                for secret in ["Canary", "canary@example.org", "9121234567", "canary-42"] {
                    #expect(!text.contains(secret), "a public view leaked \(secret)")
                }
            }
        }
    }

    @Test("an address with its district, answered in XML; locale sets the reporter's language; contact_allowed")
    func submitsAnAddressInXML() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let pairs = Open311Test.submission(
                [("address_string", "خیابان ولیعصر، نرسیده به پارک ملت"), ("district", "3"), ("locale", "en"), ("contact_allowed", "true"),
                 ("service_code", "ROAD"), ("attribute[surface]", "sidewalk")],
                removing: ["lat", "long", "attribute[park_name]", "attribute[equipment]"]
            )
            let response = try await http.execute(uri: "/open311/v2/requests.xml", method: .post, headers: Open311Test.formHeaders, body: Open311Test.form(pairs))
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let tree = try XMLTree.parse(response.body)
            #expect(tree.name == "service_requests")
            #expect(tree.children.map(\.name) == ["request"])
            let request = try #require(tree.child("request"))
            #expect(request.children.map(\.name) == ["service_request_id", "reopen_secret", "service_notice", "account_id"])
            #expect(request.child("account_id")?.text == "")
            #expect(request.child("service_notice")?.text.hasPrefix("Report received") == true)
            let code = try #require(request.child("service_request_id")?.text)
            // The reporter's reopen secret, beside the tracking code (an extension member Open311 clients ignore).
            let reportID = try #require(try await fixture.text("SELECT report_id::text FROM reports WHERE tracking_code = \(code)"))
            #expect(request.child("reopen_secret")?.text == IntakeFixture.reopenSecret.secret(forReport: reportID))
            #expect(try await fixture.text("SELECT address FROM reports WHERE tracking_code = \(code)") == "خیابان ولیعصر، نرسیده به پارک ملت")
            #expect(try await fixture.scalar("SELECT district FROM reports WHERE tracking_code = \(code)") == 3)
            #expect(try await fixture.text("SELECT reporter_language FROM reports WHERE tracking_code = \(code)") == "en")
            #expect(try await fixture.scalar("SELECT count(*) FROM reports WHERE tracking_code = \(code) AND contact_allowed") == 1)
            let read = try IntakeFixture.json(try await http.execute(uri: "/open311/v2/requests/\(code).json", method: .get))
            #expect(read.arrayValue?.first?["address"]?.stringValue == "خیابان ولیعصر، نرسیده به پارک ملت")
            #expect(read.arrayValue?.first?["lat"] == .null)
        }
    }

    @Test("api_key: missing, unknown or of another channel is a 403; the key may come in the query string")
    func keys() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let missing = try Open311Test.expectError(
                try await http.execute(uri: "/open311/v2/requests.json", method: .post, headers: Open311Test.formHeaders, body: Open311Test.form(Open311Test.submission(removing: ["api_key"]))),
                .forbidden
            )
            #expect(missing.first?.contains("api_key") == true)
            try Open311Test.expectError(
                try await http.execute(uri: "/open311/v2/requests.xml", method: .post, headers: Open311Test.formHeaders, body: Open311Test.form(Open311Test.submission([("api_key", "o137_nope_nope")]))),
                .forbidden, xml: true
            )
            // The native Bearer header is not Open311's way and is not accepted in its place.
            var bearer = Open311Test.formHeaders
            bearer[.authorization] = "Bearer \(IntakeFixture.developmentKey)"
            try Open311Test.expectError(
                try await http.execute(uri: "/open311/v2/requests.json", method: .post, headers: bearer, body: Open311Test.form(Open311Test.submission(removing: ["api_key"]))),
                .forbidden
            )
            let webKey = try await fixture.api.keys.create(channel: "web")
            try Open311Test.expectError(
                try await http.execute(uri: "/open311/v2/requests.json", method: .post, headers: Open311Test.formHeaders, body: Open311Test.form(Open311Test.submission([("api_key", webKey)]))),
                .forbidden
            )
            #expect(try await fixture.scalar("SELECT count(*) FROM reports") == 0)

            let open311Key = try await fixture.api.keys.create(channel: "open311")
            let inQuery = try await http.execute(
                uri: "/open311/v2/requests.json?api_key=\(open311Key)", method: .post, headers: Open311Test.formHeaders,
                body: Open311Test.form(Open311Test.submission(removing: ["api_key"]))
            )
            #expect(inQuery.status == .ok)
            #expect(try await fixture.scalar("SELECT count(*) FROM reports WHERE channel = 'open311'") == 1)
        }
    }

    @Test("service_code: missing is a 400, unknown a 404")
    func serviceCodes() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let missing = try Open311Test.expectError(
                try await http.execute(uri: "/open311/v2/requests.json", method: .post, headers: Open311Test.formHeaders, body: Open311Test.form(Open311Test.submission(removing: ["service_code"]))),
                .badRequest
            )
            #expect(missing.first?.contains("service_code") == true)
            try Open311Test.expectError(
                try await http.execute(uri: "/open311/v2/requests.xml", method: .post, headers: Open311Test.formHeaders, body: Open311Test.form(Open311Test.submission([("service_code", "PIZZA")]))),
                .notFound, xml: true
            )
            #expect(try await fixture.scalar("SELECT count(*) FROM reports") == 0)
        }
    }

    @Test("bad fields are 400s naming the Open311 parameter, one error per problem; nothing is stored")
    func badFields() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            func errors(_ pairs: [(String, String)], xml: Bool = false) async throws -> [String] {
                let response = try await http.execute(
                    uri: "/open311/v2/requests.\(xml ? "xml" : "json")", method: .post, headers: Open311Test.formHeaders, body: Open311Test.form(pairs)
                )
                return try Open311Test.expectError(response, .badRequest, xml: xml)
            }
            let cases: [(pairs: [(String, String)], field: String)] = [
                (Open311Test.submission([("lat", "north")]), "lat:"),
                (Open311Test.submission([("lat", "nan")]), "lat:"),
                (Open311Test.submission(removing: ["long"]), "long:"),
                (Open311Test.submission([("lat", "48.85"), ("long", "2.35")]), "location:"),
                (Open311Test.submission(removing: ["lat", "long"]), "location:"),
                (Open311Test.submission([("address_string", "   "), ("district", "5")], removing: ["lat", "long"]), "location:"),
                (Open311Test.submission([("address_string", "میدان تجریش")], removing: ["lat", "long"]), "district:"),
                (Open311Test.submission([("address_string", "میدان تجریش"), ("district", "23")], removing: ["lat", "long"]), "district:"),
                (Open311Test.submission([("address_string", "میدان تجریش"), ("district", "three")], removing: ["lat", "long"]), "district:"),
                (Open311Test.submission([("phone", "12345")]), "phone:"),
                (Open311Test.submission([("email", "not-an-address")]), "email:"),
                (Open311Test.submission([("attribute[colour]", "red")]), "attribute[colour]:"),
                (Open311Test.submission([("attribute[equipment]", "trampoline")]), "attribute[equipment]:"),
                (Open311Test.submission(removing: ["description"]), "description:"),
                (Open311Test.submission([("description", "<script>alert(1)</script>")]), "description:"),
                (Open311Test.submission([("description", String(repeating: "x", count: 4_001))]), "description:"),
                (Open311Test.submission([("media_url", "javascript:alert(1)")]), "media_url:"),
                (Open311Test.submission([("contact_allowed", "perhaps")]), "contact_allowed:"),
                (Open311Test.submission([("locale", "xx")] + [("first_name", String(repeating: "n", count: 300))], removing: ["last_name"]), "first_name/last_name:"),
            ]
            for (pairs, field) in cases {
                let descriptions = try await errors(pairs)
                #expect(descriptions.contains { $0.hasPrefix(field) }, "expected \(field) in \(descriptions)")
                #expect(!descriptions.contains { $0.contains("location.") || $0.contains("reporter.") || $0.contains("attributes.") }, "native names in \(descriptions)")
            }
            // Every problem is its own error, in XML too.
            let several = try await errors(Open311Test.submission([("lat", "north"), ("phone", "12"), ("attribute[colour]", "red")]), xml: true)
            #expect(several.count == 3, "\(several)")
            // A canary value never comes back in an error.
            let phone = try await errors(Open311Test.submission([("phone", "canary-phone-777")]))
            #expect(!phone.joined().contains("canary-phone-777"))
            #expect(try await fixture.scalar("SELECT count(*) FROM reports") == 0)
        }
    }

    @Test("malformed encoding, duplicate or misshapen parameters, another content type, address_id alone: 400; too large: 413")
    func malformedForms() async throws {
        try await IntakeFixture.withAPI(.init(maxBodyBytes: 2_048)) { fixture, http in
            let valid = String(buffer: Open311Test.form(Open311Test.submission()))
            let bodies = [
                valid + "&description=%zz",
                valid + "&x=%E2%82",
                valid + "&lat=35.71",
                valid + "&attribute[equipment=slide",
                valid + "&attribute[equipment][x]=slide",
                valid + "&attribute[equipment][]=swing",
                String(buffer: Open311Test.form(Open311Test.submission([("address_id", "A-12")], removing: ["lat", "long"]))),
            ]
            for body in bodies {
                try Open311Test.expectError(
                    try await http.execute(uri: "/open311/v2/requests.json", method: .post, headers: Open311Test.formHeaders, body: ByteBuffer(string: body)),
                    .badRequest
                )
            }
            var invalidUTF8 = ByteBuffer(string: valid + "&description=")
            invalidUTF8.writeBytes([0xFF, 0xFE])
            try Open311Test.expectError(
                try await http.execute(uri: "/open311/v2/requests.json", method: .post, headers: Open311Test.formHeaders, body: invalidUTF8), .badRequest
            )
            try Open311Test.expectError(
                try await http.execute(uri: "/open311/v2/requests.xml", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{}")),
                .badRequest, xml: true
            )
            let large = Open311Test.form(Open311Test.submission([("description", String(repeating: "ب", count: 3_000))]))
            try Open311Test.expectError(
                try await http.execute(uri: "/open311/v2/requests.xml", method: .post, headers: Open311Test.formHeaders, body: large), .contentTooLarge, xml: true
            )
            #expect(try await fixture.scalar("SELECT count(*) FROM reports") == 0)
        }
    }

    @Test("the same Idempotency-Key and form answer the first request again")
    func idempotency() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            var headers = Open311Test.formHeaders
            headers[HTTPField.Name("Idempotency-Key")!] = "open311-retry-1"
            let body = Open311Test.form(Open311Test.submission())
            let first = try await http.execute(uri: "/open311/v2/requests.json", method: .post, headers: headers, body: body)
            let second = try await http.execute(uri: "/open311/v2/requests.json", method: .post, headers: headers, body: body)
            #expect(first.status == .ok && second.status == .ok)
            #expect(try IntakeFixture.json(first).arrayValue?.first?["service_request_id"]?.stringValue != nil)
            #expect(try IntakeFixture.json(first) == IntakeFixture.json(second))
            #expect(try await fixture.scalar("SELECT count(*) FROM reports") == 1)
        }
    }
}
