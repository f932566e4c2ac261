import WebAPI
import Foundation
import Hummingbird
@testable import IntakeService
import JSON
import Taxonomy
import Testing

/// The Open311 layer's parts without a server: form decoding, W3C times, language choice, the
/// translation of a form into the native submission (with a taxonomy that has every datatype), and
/// the two renderings of one document.
@Suite("Open311 parts") struct Open311UnitTests {
    @Test("forms decode + and %XX into UTF-8 text, and refuse broken encodings")
    func forms() throws {
        let form = try Open311Form(parsing: "a=1+2&b=%D8%AA%D8%A7%D8%A8&c=&&d&attribute%5Bx%5D%5B%5D=y&e=%2B%26%3D")
        #expect(form.pairs.map(\.name) == ["a", "b", "c", "d", "attribute[x][]", "e"])
        #expect(try form.value("a") == "1 2")
        #expect(try form.value("b") == "تاب")
        #expect(try form.value("c") == nil)
        #expect(try form.value("d") == nil)
        #expect(try form.value("e") == "+&=")
        #expect(try Open311Form(parsing: "a=1&a=1").value("a") == "1")
        #expect(throws: Open311FormError.self) { try Open311Form(parsing: "a=1&a=2").value("a") }
        for broken in ["a=%", "a=%4", "a=%zz", "a=%FF", "=1", "a=%E2%82"] {
            #expect(throws: Open311FormError.self, "\(broken)") { try Open311Form(parsing: Substring(broken)) }
        }
        let merged = try Open311Form(parsing: "a=body").merging(Open311Form(parsing: "a=query&b=query"))
        #expect(try merged.value("a") == "body")
        #expect(try merged.value("b") == "query")
    }

    @Test("times: the W3C profile with a zone, nothing looser")
    func times() {
        let reference = Date(timeIntervalSince1970: 784_041_330)  // 1994-11-05T13:15:30Z
        #expect(Open311Format.parseTime("1994-11-05T13:15:30Z") == reference)
        #expect(Open311Format.parseTime("1994-11-05T08:15:30-05:00") == reference)
        #expect(Open311Format.parseTime("1994-11-05T16:45:30+03:30") == reference)
        #expect(Open311Format.parseTime("1994-11-05T13:15Z") == reference.addingTimeInterval(-30))
        #expect(Open311Format.parseTime("1994-11-05T13:15:30.5Z") == reference.addingTimeInterval(0.5))
        for bad in ["1994-11-05", "1994-11-05T13:15:30", "1994-11-05 13:15:30Z", "1994-02-30T00:00:00Z", "1994-11-05T24:00:00Z",
                    "1994-11-05T13:15:30+25:00", "1994-11-05T13:15:30Zjunk", "1994-11-05T13:15:30.Z", "yesterday", ""] {
            #expect(Open311Format.parseTime(bad) == nil, "\(bad)")
        }
        #expect(Open311Format.parseTime(Open311Format.time(reference)) == reference)
    }

    @Test("language: locale first, then Accept-Language by quality, Persian by default")
    func languages() {
        #expect(Open311Language(locale: nil, acceptLanguage: nil) == .persian)
        #expect(Open311Language(locale: "en-GB", acceptLanguage: "fa") == .english)
        #expect(Open311Language(locale: "de", acceptLanguage: "en") == .english)
        #expect(Open311Language(locale: nil, acceptLanguage: "de, en;q=0.5, fa;q=0.4") == .english)
        #expect(Open311Language(locale: nil, acceptLanguage: "en;q=0, fa") == .persian)
        #expect(Open311Language(locale: nil, acceptLanguage: "en;q=0.5, fa;q=0.5") == .english)
        #expect(Open311Language(locale: nil, acceptLanguage: "*") == .persian)
    }

    /// A taxonomy with every datatype and a required attribute (the bundled one has only lists and strings).
    private func taxonomy() throws -> Taxonomy {
        try Taxonomy.parse(yaml: """
            version: 1
            groups:
              - { code: child-friendly, name: { fa: "ک", en: "C" } }
              - { code: general, name: { fa: "ع", en: "G" } }
            services:
              - code: OTHER
                group: general
                name: { fa: "سایر", en: "Other" }
                description: { fa: "سایر", en: "Other" }
                keywords: []
                phrases: []
                unit: triage
                deadline_hours: { P0: 4, P1: 48, P2: 240 }
                attributes:
                  - { code: count, datatype: number, required: true, order: 2, description: { fa: "تعداد", en: "Count" } }
                  - code: ages
                    datatype: multivaluelist
                    order: 1
                    description: { fa: "سن", en: "Ages" }
                    values:
                      - { key: "0-6", name: { fa: "۰ تا ۶", en: "0 to 6" } }
                      - { key: "7-12", name: { fa: "۷ تا ۱۲", en: "7 to 12" } }
                  - { code: seen_at, datatype: datetime, order: 3, description: { fa: "زمان", en: "When" } }
            """)
    }

    private func native(_ query: String, _ taxonomy: Taxonomy) throws -> JSONValue {
        try Open311Submission.nativeBody(from: try Open311Form(parsing: Substring(query)), taxonomy: taxonomy)
    }

    @Test("a form becomes the native submission: location, reporter, typed attributes, multi-value lists")
    func translation() throws {
        let taxonomy = try taxonomy()
        let validator = SubmissionValidator(taxonomy: taxonomy, bounds: .tehran)
        let body = try native(
            "service_code=OTHER&lat=35.7&long=51.4&description=x&first_name=Sara&phone=09121234567&email=a%40b.org&media_url=https%3A%2F%2Fm.org%2F1.jpg"
                + "&attribute[count]=3&attribute[ages][]=0-6&attribute[ages][]=7-12&attribute[seen_at]=2026-01-01T08:00:00%2B03:30&device_id=d&account_id=a",
            taxonomy
        )
        #expect(body == .object([
            "channel": .string("open311"), "service_code": .string("OTHER"), "description": .string("x"),
            "location": .object(["lat": .number(35.7), "long": .number(51.4)]),
            "reporter": .object(["name": .string("Sara"), "phone": .string("09121234567"), "email": .string("a@b.org")]),
            "media_urls": .array([.string("https://m.org/1.jpg")]),
            "attributes": .object(["count": .number(3), "ages": .array([.string("0-6"), .string("7-12")]), "seen_at": .string("2026-01-01T08:00:00+03:30")]),
        ]))
        let draft = try validator.validate(body)
        #expect(draft.attributes["ages"] == .array([.string("0-6"), .string("7-12")]))
        #expect(draft.channel == "open311")
        // A single value of a multi-value list is a one-element list.
        #expect(try native("service_code=OTHER&attribute[ages]=0-6", taxonomy)["attributes"]?["ages"] == .array([.string("0-6")]))
        // Not a number: kept as text, so the validator names it.
        #expect(try native("service_code=OTHER&attribute[count]=three", taxonomy)["attributes"]?["count"] == .string("three"))
        #expect(throws: Open311FormError.self) { try native("service_code=OTHER&attribute[count]=1&attribute[count]=2", taxonomy) }
        #expect(throws: Open311FormError.self) { try native("service_code=OTHER&attributes=1", taxonomy) }
        #expect(throws: Open311FormError.self) { try native("service_code=OTHER&attribute[]=1", taxonomy) }
    }

    @Test("the validator's problems come back under Open311's names")
    func problemNames() throws {
        let taxonomy = try taxonomy()
        let validator = SubmissionValidator(taxonomy: taxonomy, bounds: .tehran)
        let body = try native("service_code=OTHER&lat=x&long=51.4&attribute[ages][]=99&attribute[seen_at]=soon&phone=1&description=ok", taxonomy)
        let rejection = try #require(throws: SubmissionRejected.self) { try validator.validate(body) }
        let problems = Open311Submission.open311Problems(rejection)
        #expect(Set(problems.map(\.field)) == ["lat", "attribute[ages]", "attribute[seen_at]", "attribute[count]", "phone"], "\(problems)")
        #expect(problems.first { $0.field == "lat" }?.message == "lat must be a number")
        #expect(problems.first { $0.field == "attribute[count]" }?.code == "required")
        let apiError = APIError.invalid(SubmissionRejected(problems: problems))
        let response = Open311Format.errorResponse(apiError, xml: false, headers: [:])
        #expect(response.status == .badRequest)
    }

    @Test("one document, two renderings: JSON escapes, XML escapes, fields in order, null as an empty element")
    func renderings() throws {
        let document = Open311Document(root: "things", body: .list(item: "thing", [
            .object([
                .init("text", .string("a \"quote\" \\ <tag> & 'apos'\n\u{1}تاب")),
                .init("number", .number(35.7)), .init("whole", .integer(3)), .init("flag", .bool(false)), .init("none", .null),
                .init("inner", .list(item: "value", [.string("x"), .string("y")])),
            ])
        ]))
        #expect(document.text(.json) == #"[{"text":"a \"quote\" \\ <tag> & 'apos'\n\u0001تاب","number":35.7,"whole":3,"flag":false,"none":null,"inner":["x","y"]}]"#)
        #expect(document.text(.xml) == #"<?xml version="1.0" encoding="utf-8"?><things><thing><text>a &quot;quote&quot; \ &lt;tag&gt; &amp; &apos;apos&apos;"# + "\n" + #"تاب</text><number>35.7</number><whole>3</whole><flag>false</flag><none/><inner><value>x</value><value>y</value></inner></thing></things>"#)
        let parsed = try JSONDecoder().decode(JSONValue.self, from: Data(document.text(.json).utf8))
        #expect(parsed.arrayValue?.first?["text"]?.stringValue == "a \"quote\" \\ <tag> & 'apos'\n\u{1}تاب")
        let tree = try XMLTree.parse(ByteBuffer(string: document.text(.xml)))
        #expect(tree.children.first?.child("text")?.text == "a \"quote\" \\ <tag> & 'apos'\nتاب")
    }
}
