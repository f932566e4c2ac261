import BrokerTopology
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntakeService
import Taxonomy
import Testing
import TestSupport

/// The native API's OpenAPI document is the contract: the server serves it, and real responses — the
/// good ones and the errors — validate against its schemas.
@Suite("OpenAPI contract") struct OpenAPIContractTests {
    static let documentPath = "Services/Intake/IntakeService/OpenAPI/openapi.yaml"

    private func validator() throws -> JSONSchemaValidator {
        try JSONSchemaValidator.load(from: RepositoryFiles.path(Self.documentPath))
    }

    private func expectValid(_ response: TestResponse, against schema: String, _ validator: JSONSchemaValidator) throws {
        let problems = validator.validate(try IntakeFixture.json(response), at: "/components/schemas/\(schema)")
        #expect(problems.isEmpty, "\(schema): \(problems)")
    }

    @Test("the served document is the one in the repository, and names exactly the native and Open311 JSON routes")
    func servesTheDocument() async throws {
        let onDisk = try String(contentsOfFile: RepositoryFiles.path(Self.documentPath), encoding: .utf8)
        let document = try JSONDocuments.parse(yaml: onDisk)
        #expect(Set(document["paths"]?.objectValue?.keys.map { $0 } ?? []) == [
            "/api/v1/reports", "/api/v1/track/{tracking_code}", "/api/v1/reports/{report_id}/status", "/api/v1/track/{tracking_code}/reopen", "/openapi.yaml",
            "/open311/discovery.json", "/open311/v2/services.json", "/open311/v2/services/{service_code}.json", "/open311/v2/requests.json",
            "/open311/v2/requests/{service_request_id}.json", "/open311/v2/tokens/{token}.json", "/open311/v2/servicerequestupdates.json",
        ])
        try await IntakeFixture.withAPI { _, http in
            let response = try await http.execute(uri: "/openapi.yaml", method: .get)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == onDisk)
        }
    }

    @Test("receipts, tracking views and every kind of error validate against the document")
    func responsesMatchTheDocument() async throws {
        let validator = try validator()
        try await IntakeFixture.withAPI(.init(ratePerKey: 3)) { _, http in
            let submission = IntakeFixture.report()
            #expect(validator.validate(submission, at: "/components/schemas/ReportSubmission").isEmpty)
            let created = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(submission))
            try expectValid(created, against: "Receipt", validator)
            let code = try #require(try IntakeFixture.json(created)["tracking_code"]?.stringValue)
            try expectValid(try await http.execute(uri: "/api/v1/track/\(code)", method: .get), against: "Tracking", validator)

            var errors: [TestResponse] = []
            errors.append(try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(IntakeFixture.report(["description": .null]))))
            errors.append(try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: ByteBuffer(string: "{")))
            errors.append(try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(key: nil), body: IntakeFixture.bytes(submission)))
            errors.append(try await http.execute(uri: "/api/v1/track/1234", method: .get))
            errors.append(try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(submission)))
            #expect(errors.last?.status == .tooManyRequests)
            for response in errors {
                #expect((400..<500).contains(response.status.code))
                try expectValid(response, against: "Error", validator)
            }
        }
    }

    @Test("the document's service codes, attributes and units are the taxonomy's and the topology's")
    func followsTheTaxonomy() throws {
        let document = try JSONDocuments.load(from: RepositoryFiles.path(Self.documentPath))
        let schemas = try #require(document["components"]?["schemas"])
        let taxonomy = try Taxonomy.bundled()
        #expect(schemas["ServiceCode"]?["enum"]?.arrayValue?.compactMap(\.stringValue) == taxonomy.services.map(\.code))
        #expect(schemas["UnitCode"]?["enum"]?.arrayValue?.compactMap(\.stringValue) == Open137Topology.unitCodes)
        let form = schemas["Open311Submission"]?["properties"]?.objectValue ?? [:]
        for service in taxonomy.services {
            let native = schemas["Attributes\(service.code.replacingOccurrences(of: "-", with: ""))"]
            #expect(Set(native?["properties"]?.objectValue?.keys.map { $0 } ?? []) == Set(service.attributes.map(\.code)), "\(service.code)")
            for attribute in service.attributes {
                #expect(form["attribute[\(attribute.code)]"] != nil, "\(service.code) \(attribute.code)")
                let allowed = native?["properties"]?[attribute.code]?["enum"]?.arrayValue?.compactMap(\.stringValue)
                #expect(allowed == (attribute.values.isEmpty ? nil : attribute.values.map(\.key)), "\(service.code) \(attribute.code)")
            }
        }
    }
}
