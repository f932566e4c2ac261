import Foundation
import JSON
import Testing
import TestSupport

/// Where the Open311 conformance schemas are: `shared/` beside the repository (as in CI).
private enum Open311Conformance {
    /// The conformance folder, when the shared folder is beside the repository.
    static let folder: String? = {
        guard let root = try? RepositoryFiles.root() else { return nil }
        let path = URL(fileURLWithPath: root).deletingLastPathComponent()
            .appendingPathComponent("shared/conformance/open311-georeport-v2").path
        return FileManager.default.fileExists(atPath: path + "/request.json") ? path : nil
    }()
}

/// The validator on the Open311 GeoReport v2 JSON Schemas that intake's Open311 endpoints will be checked
/// against (`../shared/conformance/open311-georeport-v2/`, beside the repository).
@Suite("JSON Schema validator on the Open311 GeoReport v2 schemas", .enabled(if: Open311Conformance.folder != nil))
struct Open311SchemaTests {
    private func validator(_ file: String) throws -> JSONSchemaValidator {
        try JSONSchemaValidator.load(from: try #require(Open311Conformance.folder) + "/" + file)
    }

    private func json(_ text: String) throws -> JSONValue {
        try JSONDocuments.parse(json: Array(text.utf8))
    }

    private let request = """
        {"service_request_id":"137-0001","status":"open","service_code":"CFC-PLAY","service_name":"Children's playgrounds",
         "description":"Broken swing","requested_datetime":"2025-03-01T09:30:00+03:30","updated_datetime":null,
         "lat":35.7,"long":51.4,"media_url":null,"address":null}
        """

    @Test("a conforming request passes request.json")
    func validRequest() throws {
        let errors = try validator("request.json").validate(try json(request))
        #expect(errors.isEmpty, "\(errors)")
    }

    @Test("a numeric id, an unknown status, a bad date and a missing code fail request.json")
    func invalidRequest() throws {
        let errors = try validator("request.json").validate(try json("""
            {"service_request_id":1,"status":"pending","requested_datetime":"yesterday","lat":"35.7"}
            """))
        #expect(Set(errors.map(\.instancePath)) == ["", "/service_request_id", "/status", "/requested_datetime", "/lat"])
        #expect(errors.first { $0.instancePath == "" }?.keyword == "required")
        #expect(errors.first { $0.instancePath == "/lat" }?.keyword == "anyOf")
    }

    @Test("requests.json follows its $ref to request.json in the same folder")
    func requestsList() throws {
        let validator = try validator("requests.json")
        #expect(validator.validate(try json("[\(request),\(request)]")).isEmpty)
        let errors = validator.validate(try json(#"[\#(request),{"status":"closed"}]"#))
        #expect(errors.map(\.keyword) == ["required", "required", "required"])
        #expect(errors.allSatisfy { $0.instancePath == "/1" && $0.schemaPath.hasPrefix("request.json#") })
    }

    @Test("services.json and service-definition.json")
    func servicesAndDefinitions() throws {
        let services = try validator("services.json")
        #expect(services.validate(try json(#"[{"service_code":"CFC-KG","service_name":"Kindergartens","metadata":false,"type":"realtime","description":null,"keywords":null,"group":"child-friendly city"}]"#)).isEmpty)
        #expect(services.validate(try json(#"[{"service_code":"CFC-KG","service_name":"Kindergartens","metadata":"no","type":"sometimes"}]"#)).map(\.instancePath).sorted() == ["/0/metadata", "/0/type"])
        let definition = try validator("service-definition.json")
        #expect(definition.validate(try json(#"{"service_code":"CFC-KG","attributes":[{"variable":true,"code":"AGE","datatype":"number","required":false,"order":1,"values":[]}]}"#)).isEmpty)
        let errors = definition.validate(try json(#"{"service_code":"CFC-KG","attributes":[{"variable":true,"code":"AGE","datatype":"number","required":false,"order":1.5,"values":[{"key":"a"}]}]}"#))
        #expect(errors.map(\.instancePath).sorted() == ["/attributes/0/order", "/attributes/0/values/0"])
    }

    @Test("swagger.json definitions resolve through #/definitions")
    func swaggerDefinitions() throws {
        let swagger = try validator("swagger.json")
        let errors = swagger.validate(try json(#"{"service_code":"CFC-KG","attributes":[{"code":1}]}"#), at: "/definitions/ServiceDefinition")
        #expect(Set(errors.map(\.instancePath)) == ["/attributes/0", "/attributes/0/code"], "\(errors)")
        #expect(errors.first { $0.instancePath == "/attributes/0/code" }?.schemaPath == "/definitions/ServiceAttribute/properties/code/type")
        #expect(swagger.validate(try json(#"{"service_code":"CFC-KG","attributes":[{"variable":true,"code":"AGE","datatype":"text","required":true}]}"#), at: "/definitions/ServiceDefinition").isEmpty)
    }
}
