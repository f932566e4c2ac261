import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntakeService
import Taxonomy
import Testing
import TestSupport

/// Open311 discovery, the service list and service definitions against the real server: both formats,
/// the spec's schemas, languages, and the errors (unknown code, unknown jurisdiction, bad query).
@Suite("Open311 services and discovery") struct Open311ServicesTests {
    @Test("discovery names the v2 endpoint in both formats, XML saying what JSON says")
    func discovery() async throws {
        try await IntakeFixture.withAPI { _, http in
            let json = try await http.execute(uri: "/open311/discovery.json", method: .get)
            let xml = try await http.execute(uri: "/open311/discovery.xml", method: .get)
            try Open311Test.expectSameDocument(json: json, xml: xml, root: "discovery", item: nil)
            let body = try IntakeFixture.json(json)
            for field in ["changeset", "contact", "key_service"] { #expect(body[field]?.stringValue?.isEmpty == false, "\(field)") }
            let endpoint = try #require(body["endpoints"]?.arrayValue?.first)
            #expect(body["endpoints"]?.arrayValue?.count == 1)
            #expect(endpoint["specification"]?.stringValue == "http://wiki.open311.org/GeoReport_v2")
            #expect(endpoint["url"]?.stringValue?.hasSuffix("/open311/v2") == true)
            #expect(endpoint["type"]?.stringValue == "production")
            #expect(endpoint["formats"]?.arrayValue == [.string("text/xml"), .string("application/json")])
            #expect(try XMLTree.parse(xml.body).child("endpoints")?.child("endpoint")?.child("formats")?.children.map(\.name) == ["format", "format"])
        }
    }

    @Test("services: the whole taxonomy, child-friendly group first, valid against services.json, XML equal to JSON")
    func services() async throws {
        let taxonomy = try Taxonomy.bundled()
        try await IntakeFixture.withAPI { _, http in
            let json = try await http.execute(uri: "/open311/v2/services.json", method: .get)
            let body = try IntakeFixture.json(json)
            try Open311Test.expectValid(body, "services.json")
            let services = try #require(body.arrayValue)
            #expect(services.map { $0["service_code"]?.stringValue } == (taxonomy.childFriendlyServices + taxonomy.services.filter { !$0.isChildFriendly }).map(\.code))
            #expect(services.prefix(5).allSatisfy { $0["group"]?.stringValue == "شهر دوستدار کودک" })
            #expect(services.dropFirst(5).allSatisfy { $0["group"]?.stringValue == "خدمات شهری" })
            let play = try #require(services.first { $0["service_code"] == .string("CFC-PLAY") })
            #expect(play["service_name"]?.stringValue == "زمین بازی کودکان")
            #expect(play["metadata"] == .bool(true))
            #expect(play["type"]?.stringValue == "realtime")
            #expect(play["keywords"]?.stringValue?.contains("playground, ") == true || play["keywords"]?.stringValue?.contains(", playground") == true)
            #expect(services.first { $0["service_code"] == .string("CFC-OTHER") }?["metadata"] == .bool(false))

            let xml = try await http.execute(uri: "/open311/v2/services.xml", method: .get)
            try Open311Test.expectSameDocument(json: json, xml: xml, root: "services", item: "service")
        }
    }

    @Test("names in English for locale=en or an Accept-Language preferring English, Persian otherwise")
    func languages() async throws {
        try await IntakeFixture.withAPI { _, http in
            func playName(_ uri: String, _ headers: HTTPFields = [:]) async throws -> String? {
                let response = try await http.execute(uri: uri, method: .get, headers: headers)
                #expect(response.status == .ok)
                return try IntakeFixture.json(response).arrayValue?.first { $0["service_code"] == .string("CFC-PLAY") }?["service_name"]?.stringValue
            }
            #expect(try await playName("/open311/v2/services.json?locale=en") == "Children's playgrounds")
            #expect(try await playName("/open311/v2/services.json?locale=en_US") == "Children's playgrounds")
            #expect(try await playName("/open311/v2/services.json", [.acceptLanguage: "en-US,en;q=0.9"]) == "Children's playgrounds")
            #expect(try await playName("/open311/v2/services.json", [.acceptLanguage: "fa;q=0.4, en;q=0.8"]) == "Children's playgrounds")
            #expect(try await playName("/open311/v2/services.json", [.acceptLanguage: "fa-IR, en;q=0.8"]) == "زمین بازی کودکان")
            #expect(try await playName("/open311/v2/services.json?locale=fa", [.acceptLanguage: "en"]) == "زمین بازی کودکان")
            #expect(try await playName("/open311/v2/services.json?locale=de") == "زمین بازی کودکان")
            let english = try await http.execute(uri: "/open311/v2/services/CFC-PLAY.json?locale=en", method: .get)
            let attributes = try #require(try IntakeFixture.json(english)["attributes"]?.arrayValue)
            #expect(attributes.first { $0["code"] == .string("equipment") }?["description"]?.stringValue == "Play equipment")
        }
    }

    @Test("a service definition lists its attributes in order with their values; valid against service-definition.json")
    func serviceDefinition() async throws {
        let play = try #require(try Taxonomy.bundled().service("CFC-PLAY"))
        try await IntakeFixture.withAPI { _, http in
            let json = try await http.execute(uri: "/open311/v2/services/CFC-PLAY.json", method: .get)
            let body = try IntakeFixture.json(json)
            try Open311Test.expectValid(body, "service-definition.json")
            #expect(body["service_code"]?.stringValue == "CFC-PLAY")
            let attributes = try #require(body["attributes"]?.arrayValue)
            #expect(attributes.map { $0["code"]?.stringValue } == play.attributes.sorted { $0.order < $1.order }.map(\.code))
            #expect(attributes.allSatisfy { $0["variable"] == .bool(true) && $0["required"] == .bool(false) })
            let equipment = try #require(attributes.first { $0["code"] == .string("equipment") })
            #expect(equipment["datatype"]?.stringValue == "singlevaluelist")
            #expect(equipment["values"]?.arrayValue?.compactMap { $0["key"]?.stringValue } == play.attribute("equipment")?.values.map(\.key))
            #expect(equipment["values"]?.arrayValue?.first?["name"]?.stringValue == "تاب")
            let parkName = try #require(attributes.first { $0["code"] == .string("park_name") })
            #expect(parkName["values"] == nil)
            #expect(parkName["datatype_description"]?.stringValue?.isEmpty == false)

            let xml = try await http.execute(uri: "/open311/v2/services/CFC-PLAY.xml", method: .get)
            try Open311Test.expectSameDocument(json: json, xml: xml, root: "service_definition", item: nil)
            let tree = try XMLTree.parse(xml.body)
            #expect(tree.child("attributes")?.children.allSatisfy { $0.name == "attribute" } == true)
            #expect(tree.child("attributes")?.children.last?.child("values")?.children.allSatisfy { $0.name == "value" } == true)

            // A service without attributes has an empty definition, not an error.
            let other = try await http.execute(uri: "/open311/v2/services/CFC-OTHER.json", method: .get)
            #expect(try IntakeFixture.json(other)["attributes"]?.arrayValue == [])
        }
    }

    @Test("an unknown service code is a 404 error document, JSON or XML")
    func unknownServiceCode() async throws {
        try await IntakeFixture.withAPI { _, http in
            let json = try Open311Test.expectError(try await http.execute(uri: "/open311/v2/services/PIZZA.json", method: .get), .notFound)
            #expect(json.first?.contains("service_code") == true)
            let xml = try Open311Test.expectError(try await http.execute(uri: "/open311/v2/services/PIZZA.xml", method: .get), .notFound, xml: true)
            #expect(xml == json)
        }
    }

    @Test("jurisdiction_id: this server's (any case) or none is fine; another is a 404 on every resource")
    func jurisdiction() async throws {
        try await IntakeFixture.withAPI { _, http in
            for query in ["", "?jurisdiction_id=tehran.ir", "?jurisdiction_id=TEHRAN.IR", "?jurisdiction_id="] {
                #expect(try await http.execute(uri: "/open311/v2/services.json\(query)", method: .get).status == .ok, "\(query)")
            }
            for path in ["/open311/discovery", "/open311/v2/services", "/open311/v2/services/CFC-KG", "/open311/v2/requests", "/open311/v2/requests/1234567890", "/open311/v2/tokens/00000000-0000-0000-0000-000000000000"] {
                let json = try Open311Test.expectError(try await http.execute(uri: "\(path).json?jurisdiction_id=karaj.ir", method: .get), .notFound)
                #expect(json.first?.contains("jurisdiction_id") == true, "\(path)")
                try Open311Test.expectError(try await http.execute(uri: "\(path).xml?jurisdiction_id=karaj.ir", method: .get), .notFound, xml: true)
            }
            let post = try await http.execute(
                uri: "/open311/v2/requests.json", method: .post, headers: Open311Test.formHeaders,
                body: Open311Test.form(Open311Test.submission([("jurisdiction_id", "karaj.ir")]))
            )
            try Open311Test.expectError(post, .notFound)
        }
    }

    @Test("malformed query strings and unknown formats are the spec's errors, never a 500")
    func malformedQueries() async throws {
        try await IntakeFixture.withAPI { _, http in
            for uri in ["/open311/v2/services.json?locale=%zz", "/open311/v2/services.json?jurisdiction_id=%FF", "/open311/v2/services.json?jurisdiction_id=a&jurisdiction_id=b", "/open311/v2/services.json?=x"] {
                try Open311Test.expectError(try await http.execute(uri: uri, method: .get), .badRequest)
            }
            try Open311Test.expectError(try await http.execute(uri: "/open311/v2/services.xml?locale=%zz", method: .get), .badRequest, xml: true)
            // The format suffix is required; anything else is not a resource.
            try Open311Test.expectError(try await http.execute(uri: "/open311/v2/services.html", method: .get), .notFound)
            try Open311Test.expectError(try await http.execute(uri: "/open311/v2/services", method: .get), .notFound)
        }
    }
}
