import JSON
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntakeService
import Logging
import PostgresNIO
import Testing
import TestSupport

/// What the Open311 tests share: the spec's schemas (copied into `contracts/`), form bodies, XML parsed
/// into a tree and compared with the JSON of the same resource, and the error document's shape.
enum Open311Test {
    /// The folder of the Open311 GeoReport v2 JSON Schemas in the repository.
    static let contracts = "contracts/open311-georeport-v2"

    /// A validator over one schema file of the contracts folder.
    static func schema(_ file: String) throws -> JSONSchemaValidator {
        try JSONSchemaValidator.load(from: RepositoryFiles.path("\(contracts)/\(file)"))
    }

    /// Expects `value` to validate against `file` (at `pointer`), naming every problem.
    static func expectValid(_ value: JSONValue, _ file: String, at pointer: String = "", sourceLocation: SourceLocation = #_sourceLocation) throws {
        let problems = try schema(file).validate(value, at: pointer)
        #expect(problems.isEmpty, "\(file)\(pointer): \(problems)", sourceLocation: sourceLocation)
    }

    /// Headers of a form POST.
    static let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded; charset=utf-8"]

    /// An `application/x-www-form-urlencoded` body of the pairs, in order.
    static func form(_ pairs: [(String, String)]) -> ByteBuffer {
        ByteBuffer(string: pairs.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&"))
    }

    /// Percent-encodes everything but unreserved characters (so `[`, `]`, `+`, `&` and Persian text travel safely).
    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A valid Open311 submission with a canary reporter (never to be seen in public views).
    static func submission(_ overrides: [(String, String)] = [], removing: Set<String> = []) -> [(String, String)] {
        var pairs: [(String, String)] = [
            ("api_key", IntakeFixture.developmentKey),
            ("jurisdiction_id", "tehran.ir"),
            ("service_code", "CFC-PLAY"),
            ("lat", "35.7"), ("long", "51.4"),
            ("description", "سرسره پارک شکسته و لبه تیز دارد، بچه‌ها زخمی می‌شوند"),
            ("attribute[park_name]", "پارک لاله"), ("attribute[equipment]", "slide"),
            ("first_name", "Canary"), ("last_name", "Reporter"),
            ("email", "canary@example.org"), ("phone", "0912 123 4567"),
            ("media_url", "https://media.example.org/p/2.jpg"),
            ("device_id", "device-canary-42"), ("account_id", "account-canary-42"),
        ]
        let replaced = Set(overrides.map(\.0)).union(removing)
        pairs.removeAll { replaced.contains($0.0) }
        return pairs + overrides
    }

    /// Runs a statement on the fixture's schema (test setup of the read model).
    static func execute(_ fixture: IntakeFixture, _ query: PostgresQuery) async throws {
        try await fixture.client.query(query, logger: TestEnvironment.logger("open311-tests"))
    }

    /// Expects the spec's error document — `[{code, description}]`, or `<errors><error>` for XML — with
    /// `status`, and returns the descriptions.
    @discardableResult
    static func expectError(
        _ response: TestResponse, _ status: HTTPResponse.Status, xml: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [String] {
        #expect(response.status == status, "body: \(String(buffer: response.body))", sourceLocation: sourceLocation)
        if xml {
            #expect(response.headers[.contentType]?.hasPrefix("text/xml") == true, sourceLocation: sourceLocation)
            let root = try XMLTree.parse(response.body)
            #expect(root.name == "errors", sourceLocation: sourceLocation)
            #expect(!root.children.isEmpty && root.children.allSatisfy { $0.name == "error" }, sourceLocation: sourceLocation)
            for error in root.children {
                #expect(error.children.map(\.name) == ["code", "description"], sourceLocation: sourceLocation)
                #expect(error.child("code")?.text == String(status.code), sourceLocation: sourceLocation)
            }
            return root.children.compactMap { $0.child("description")?.text }
        }
        #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
        let items = try #require(try IntakeFixture.json(response).arrayValue, sourceLocation: sourceLocation)
        #expect(!items.isEmpty, sourceLocation: sourceLocation)
        for item in items {
            #expect(Set(item.objectValue?.keys.map { $0 } ?? []) == ["code", "description"], sourceLocation: sourceLocation)
            #expect(item["code"]?.numberValue == Double(status.code), sourceLocation: sourceLocation)
        }
        return items.compactMap { $0["description"]?.stringValue }
    }

    /// Expects the XML rendering of a resource to say exactly what its JSON rendering says: same root and
    /// item element names, same fields, same values (numbers compared as numbers, null as an empty element).
    static func expectSameDocument(
        json: TestResponse, xml: TestResponse, root: String, item: String?, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(json.status == .ok && xml.status == .ok, sourceLocation: sourceLocation)
        #expect(xml.headers[.contentType] == "text/xml; charset=utf-8", sourceLocation: sourceLocation)
        #expect(json.headers[.contentType] == "application/json; charset=utf-8", sourceLocation: sourceLocation)
        #expect(String(buffer: xml.body).hasPrefix(#"<?xml version="1.0" encoding="utf-8"?>"#), sourceLocation: sourceLocation)
        let tree = try XMLTree.parse(xml.body)
        #expect(tree.name == root, sourceLocation: sourceLocation)
        if let item { #expect(tree.children.allSatisfy { $0.name == item }, sourceLocation: sourceLocation) }
        let mismatches = XMLTree.mismatches(json: try IntakeFixture.json(json), xml: tree, path: root)
        #expect(mismatches.isEmpty, "\(mismatches)", sourceLocation: sourceLocation)
    }
}

/// An XML element parsed with Foundation's `XMLParser`: name, child elements, text.
final class XMLTree: @unchecked Sendable {
    /// The element's name.
    let name: String
    /// Its child elements, in order.
    var children: [XMLTree] = []
    /// Its own text (concatenated).
    var text = ""

    /// An element without children or text yet.
    init(name: String) {
        self.name = name
    }

    /// The first child named `name`.
    func child(_ name: String) -> XMLTree? {
        children.first { $0.name == name }
    }

    /// Parses a document; a parse error fails with the parser's message.
    static func parse(_ buffer: ByteBuffer) throws -> XMLTree {
        let parser = XMLParser(data: Data(buffer: buffer))
        let builder = Builder()
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            throw FixtureError(description: "XML does not parse: \(parser.parserError.map { "\($0)" } ?? "no root")")
        }
        return root
    }

    /// Where the XML says something other than the JSON.
    static func mismatches(json: JSONValue, xml: XMLTree, path: String) -> [String] {
        switch json {
        case .object(let members):
            let names = xml.children.map(\.name)
            guard Set(names) == Set(members.keys), names.count == members.count else {
                return ["\(path): fields \(names.sorted()) vs JSON \(members.keys.sorted())"]
            }
            return members.keys.sorted().flatMap { key in mismatches(json: members[key]!, xml: xml.child(key)!, path: path + "/" + key) }
        case .array(let items):
            guard xml.children.count == items.count, Set(xml.children.map(\.name)).count <= 1 else {
                return ["\(path): \(xml.children.count) XML items vs \(items.count) in JSON"]
            }
            return zip(items, xml.children).enumerated().flatMap { index, pair in
                mismatches(json: pair.0, xml: pair.1, path: "\(path)/\(index)")
            }
        case .string(let text):
            return xml.children.isEmpty && xml.text == text ? [] : ["\(path): XML \(xml.text.debugDescription) vs JSON \(text.debugDescription)"]
        case .number(let number):
            return xml.children.isEmpty && Double(xml.text) == number ? [] : ["\(path): XML \(xml.text) vs JSON \(number)"]
        case .bool(let flag):
            return xml.children.isEmpty && xml.text == (flag ? "true" : "false") ? [] : ["\(path): XML \(xml.text) vs JSON \(flag)"]
        case .null:
            return xml.children.isEmpty && xml.text.isEmpty ? [] : ["\(path): XML \(xml.text.debugDescription) vs JSON null"]
        }
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var root: XMLTree?
        var stack: [XMLTree] = []

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            let element = XMLTree(name: name)
            if let parent = stack.last { parent.children.append(element) } else { root = element }
            stack.append(element)
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            stack.removeLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }
    }
}
