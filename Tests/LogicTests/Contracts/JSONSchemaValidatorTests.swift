import Foundation
import JSON
import Testing
import TestSupport

/// The test-support JSON Schema validator itself: what it accepts, what it rejects, and where it says
/// the problem is.
@Suite("JSON Schema validator")
struct JSONSchemaValidatorTests {
    private func schema(_ yaml: String) throws -> JSONSchemaValidator {
        JSONSchemaValidator(document: try JSONDocuments.parse(yaml: yaml))
    }

    private func json(_ text: String) throws -> JSONValue {
        try JSONDocuments.parse(json: Array(text.utf8))
    }

    private let person = """
        type: object
        required: [name, age]
        additionalProperties: false
        properties:
          name: { type: string, minLength: 1, maxLength: 10 }
          age: { type: integer, minimum: 0, maximum: 150 }
          email: { type: string, format: email }
          tags: { type: array, items: { type: string, pattern: '^[a-z]+$' }, maxItems: 3, uniqueItems: true }
          kind: { enum: [child, parent] }
          version: { const: '1.0' }
          nickname: { type: [string, 'null'] }
        """

    @Test("a valid instance has no errors")
    func validInstance() throws {
        let validator = try schema(person)
        let errors = validator.validate(try json(#"{"name":"Sara","age":9,"email":"a@b.ir","tags":["park","school"],"kind":"child","version":"1.0","nickname":null}"#))
        #expect(errors.isEmpty, "\(errors)")
    }

    @Test("a missing required property is reported at the object")
    func missingRequired() throws {
        let errors = try schema(person).validate(try json(#"{"name":"Sara"}"#))
        #expect(errors.count == 1)
        #expect(errors.first?.keyword == "required")
        #expect(errors.first?.instancePath == "")
        #expect(errors.first?.schemaPath == "/required")
        #expect(errors.first?.message.contains("age") == true)
    }

    @Test("wrong types are reported at the value, integer is not number")
    func wrongType() throws {
        let validator = try schema(person)
        let errors = validator.validate(try json(#"{"name":7,"age":9.5}"#))
        #expect(Set(errors.map(\.instancePath)) == ["/name", "/age"])
        #expect(errors.allSatisfy { $0.keyword == "type" })
        #expect(validator.validate(try json(#"{"name":"A","age":9.0}"#)).isEmpty, "9.0 is an integer")
        #expect(validator.validate(try json(#"{"name":"A","age":9,"nickname":3}"#)).map(\.keyword) == ["type"])
        #expect(validator.validate(try json(#"[1]"#)).map(\.keyword) == ["type"])
    }

    @Test("a pattern mismatch is reported at the array item")
    func badPattern() throws {
        let errors = try schema(person).validate(try json(#"{"name":"A","age":1,"tags":["ok","Not-Ok"]}"#))
        #expect(errors.map(\.keyword) == ["pattern"])
        #expect(errors.first?.instancePath == "/tags/1")
        #expect(errors.first?.schemaPath == "/properties/tags/items/pattern")
    }

    @Test("const and enum mismatches are reported")
    func constAndEnum() throws {
        let errors = try schema(person).validate(try json(#"{"name":"A","age":1,"version":"0.3","kind":"teacher"}"#))
        #expect(Set(errors.map(\.keyword)) == ["const", "enum"])
        #expect(errors.first { $0.keyword == "const" }?.instancePath == "/version")
        #expect(errors.first { $0.keyword == "enum" }?.instancePath == "/kind")
        #expect(try schema("const: 1").validate(.number(1.0)).isEmpty, "1 and 1.0 are the same JSON number")
    }

    @Test("additionalProperties false names the extra property; a schema checks it")
    func additionalProperties() throws {
        let errors = try schema(person).validate(try json(#"{"name":"A","age":1,"extra/field":true}"#))
        #expect(errors.map(\.keyword) == ["additionalProperties"])
        #expect(errors.first?.instancePath == "/extra~1field")

        let typed = try schema("additionalProperties: { type: integer }\nproperties: { a: { type: string } }")
        #expect(typed.validate(try json(#"{"a":"x","b":1,"c":2}"#)).isEmpty)
        #expect(typed.validate(try json(#"{"a":"x","b":"one"}"#)).map(\.instancePath) == ["/b"])
    }

    @Test("string and number bounds, array bounds and uniqueness")
    func bounds() throws {
        let validator = try schema(person)
        let errors = validator.validate(try json(#"{"name":"","age":151,"tags":["a","a","b","c"]}"#))
        #expect(Set(errors.map(\.keyword)) == ["minLength", "maximum", "maxItems", "uniqueItems"])
        #expect(validator.validate(try json(#"{"name":"ابراهیم‌زاده","age":-1}"#)).map(\.keyword).sorted() == ["maxLength", "minimum"])
        let exclusive = try schema("exclusiveMinimum: 0\nexclusiveMaximum: 10\nmultipleOf: 0.5")
        #expect(exclusive.validate(.number(2.5)).isEmpty)
        #expect(exclusive.validate(.number(0)).map(\.keyword) == ["exclusiveMinimum"])
        #expect(exclusive.validate(.number(10)).map(\.keyword) == ["exclusiveMaximum"])
        #expect(exclusive.validate(.number(2.2)).map(\.keyword) == ["multipleOf"])
    }

    @Test("formats: date-time, date, uuid, email, uri")
    func formats() throws {
        let dateTime = try schema("format: date-time")
        for good in ["2025-03-01T09:30:00Z", "2025-03-01T09:30:00.123+03:30", "2024-02-29t23:59:60z"] {
            #expect(dateTime.validate(.string(good)).isEmpty, "\(good)")
        }
        for bad in ["2025-03-01", "2025-02-30T10:00:00Z", "2025-03-01T24:00:00Z", "2025-03-01 10:00:00Z", "2025-03-01T10:00:00"] {
            #expect(dateTime.validate(.string(bad)).map(\.keyword) == ["format"], "\(bad)")
        }
        #expect(dateTime.validate(.number(1)).isEmpty, "formats apply to strings only")
        let uuid = try schema("format: uuid")
        #expect(uuid.validate(.string("3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6f")).isEmpty)
        #expect(uuid.validate(.string("3f2b8c1e9d4a4c6b8e2f1a2b3c4d5e6f")).map(\.keyword) == ["format"])
        let email = try schema("format: email")
        #expect(email.validate(.string("parent@example.org")).isEmpty)
        #expect(email.validate(.string("parent at example.org")).map(\.keyword) == ["format"])
        let uri = try schema("format: uri")
        #expect(uri.validate(.string("https://example.org/a.png")).isEmpty)
        #expect(uri.validate(.string("/a.png")).map(\.keyword) == ["format"])
        #expect(try schema("format: uid").validate(.string("anything")).isEmpty, "unknown formats are ignored")
    }

    @Test("allOf, anyOf, oneOf and not")
    func combinators() throws {
        let validator = try schema("""
            properties:
              all: { allOf: [ { type: string }, { minLength: 3 } ] }
              any: { anyOf: [ { type: string }, { type: 'null' } ] }
              one: { oneOf: [ { type: integer }, { minimum: 10 } ] }
              none: { not: { type: string } }
            """)
        #expect(validator.validate(try json(#"{"all":"abc","any":null,"one":5,"none":1}"#)).isEmpty)
        let errors = validator.validate(try json(#"{"all":"ab","any":1,"one":20,"none":"x"}"#))
        #expect(errors.map(\.keyword).sorted() == ["anyOf", "minLength", "not", "oneOf"])
        #expect(errors.first { $0.keyword == "minLength" }?.schemaPath == "/properties/all/allOf/1/minLength")
        #expect(errors.first { $0.keyword == "oneOf" }?.message.contains("2 of the alternatives") == true)
        #expect(validator.validate(try json(#"{"one":1.5}"#)).map(\.keyword) == ["oneOf"])
    }

    @Test("$ref to #/definitions and #/components/schemas, with siblings; unresolvable refs are errors")
    func references() throws {
        let validator = try schema("""
            definitions:
              Id: { type: string, format: uuid }
            components:
              schemas:
                Thing:
                  type: object
                  required: [id]
                  properties:
                    id: { $ref: '#/definitions/Id' }
                    parent: { $ref: '#/components/schemas/Thing' }
                    broken: { $ref: '#/components/schemas/Missing' }
            """)
        let thing = "/components/schemas/Thing"
        #expect(validator.validate(try json(#"{"id":"3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6f","parent":{"id":"3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6f"}}"#), at: thing).isEmpty)
        let errors = validator.validate(try json(#"{"id":"x","parent":{}}"#), at: thing)
        #expect(Set(errors.map(\.instancePath)) == ["/id", "/parent"])
        #expect(errors.first { $0.instancePath == "/id" }?.schemaPath == "/definitions/Id/format")
        let broken = validator.validate(try json(#"{"id":"3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6f","broken":1}"#), at: thing)
        #expect(broken.map(\.keyword) == ["$ref"])
        #expect(validator.validate(.null, at: "/components/schemas/Nothing").map(\.keyword) == ["$ref"])
        #expect(validator.validate(try json(#"{"id":1}"#), at: "#/components/schemas/Thing").map(\.keyword) == ["type"], "URI-fragment form")
    }

    @Test("a $ref cycle stops with an error instead of recursing forever")
    func referenceCycle() throws {
        let validator = try schema("definitions:\n  A: { $ref: '#/definitions/B' }\n  B: { $ref: '#/definitions/A' }")
        #expect(validator.validate(.null, at: "/definitions/A").map(\.keyword) == ["$ref"])
    }

    @Test("boolean schemas, tuples, contains and if/then/else")
    func lessCommonKeywords() throws {
        #expect(try schema("true").validate(.null).isEmpty)
        #expect(try schema("false").validate(.null).map(\.keyword) == ["false"])
        let tuple = try schema("prefixItems: [ { type: string }, { type: integer } ]\nitems: false\ncontains: { const: 1 }")
        #expect(tuple.validate(try json(#"["a",1]"#)).isEmpty)
        #expect(tuple.validate(try json(#"["a",2,3]"#)).map(\.keyword).sorted() == ["contains", "items"])
        let conditional = try schema("if: { properties: { kind: { const: child } } }\nthen: { required: [age] }\nelse: { required: [name] }")
        #expect(conditional.validate(try json(#"{"kind":"child","age":4}"#)).isEmpty)
        #expect(conditional.validate(try json(#"{"kind":"child"}"#)).map(\.keyword) == ["required"])
        #expect(conditional.validate(try json(#"{"kind":"parent","name":"x"}"#)).isEmpty)
        #expect(try schema("type: string\nnullable: true").validate(.null).isEmpty, "OpenAPI 3.0 nullable")
    }

    @Test("an invalid pattern in the schema is reported, not a crash")
    func invalidPattern() throws {
        #expect(try schema("pattern: '(['").validate(.string("x")).map(\.keyword) == ["pattern"])
    }

    @Test("JSON text that is not JSON is one error")
    func notJSON() throws {
        let errors = try schema("type: object").validate(json: Array("{nope".utf8))
        #expect(errors.map(\.keyword) == ["json"])
    }
}
