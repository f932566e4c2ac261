import WebAPI
import Contracts
import Foundation
@testable import IntakeService
import JSON
import Taxonomy
import Testing

/// The shared validator on its own (no server, no database): the cases the OpenAPI contract check found,
/// natively and through Open311's translation, and the status updates' free text.
@Suite("Submission validator") struct SubmissionValidatorTests {
    private func validator() throws -> SubmissionValidator {
        SubmissionValidator(taxonomy: try Taxonomy.bundled(), bounds: .tehran)
    }

    private func report(_ location: [String: JSONValue], description: String = "چراغ خیابان خاموش است") -> JSONValue {
        .object(["channel": .string("web"), "description": .string(description), "location": .object(location)])
    }

    private func form(_ query: String) throws -> JSONValue {
        try Open311Submission.nativeBody(from: try Open311Form(parsing: Substring(query)), taxonomy: try Taxonomy.bundled())
    }

    @Test("a blank address is no address: refused alone, dropped beside coordinates — natively and from a form")
    func blankAddress() throws {
        let validator = try validator()
        for blank in ["", " ", " \n\t\u{3000}"] {
            let alone = try #require(throws: SubmissionRejected.self) { try validator.validate(report(["address": .string(blank), "district": .number(5)])) }
            #expect(alone.problems.map(\.field) == ["location"], "\(alone.problems)")
            let beside = try validator.validate(report(["address": .string(blank), "lat": .number(35.7), "long": .number(51.4)]))
            #expect(beside.location == ReportLocation(lat: 35.7, long: 51.4))
        }
        // Open311 drops an empty parameter itself; a blank one reaches the same validator and the same answer.
        let rejection = try #require(throws: SubmissionRejected.self) {
            try validator.validate(form("service_code=OTHER&description=x&address_string=+%20+&district=5"))
        }
        #expect(Open311Submission.open311Problems(rejection).map(\.field) == ["location"], "\(rejection.problems)")
        // An address is stored without the blanks around it.
        let padded = try validator.validate(report(["address": .string("  میدان تجریش \n"), "district": .number(1)]))
        #expect(padded.location == ReportLocation(address: "میدان تجریش", district: 1))
    }

    @Test("a NUL character is refused in every free-text field, never left for the database to fail on")
    func nulCharacters() throws {
        let validator = try validator()
        let bodies: [(JSONValue, String)] = [
            (report(["lat": .number(35.7), "long": .number(51.4)], description: "a\u{0}b"), "description"),
            (report(["address": .string("a\u{0}"), "district": .number(3)]), "location.address"),
            (.object(["channel": .string("web"), "description": .string("x"), "location": .object(["lat": .number(35.7), "long": .number(51.4)]),
                      "reporter": .object(["name": .string("Sara\u{0}")])]), "reporter.name"),
            (.object(["channel": .string("web"), "description": .string("x"), "location": .object(["lat": .number(35.7), "long": .number(51.4)]),
                      "service_code": .string("GREEN"), "attributes": .object(["park_name": .string("\u{0}")])]), "attributes.park_name"),
            (.object(["channel": .string("web"), "description": .string("x"), "location": .object(["lat": .number(35.7), "long": .number(51.4)]),
                      "media_urls": .array([.string("https://m.example.org/a\u{0}.jpg")])]), "media_urls[0]"),
            (try form("service_code=OTHER&description=a%00b&lat=35.7&long=51.4"), "description"),
        ]
        for (body, field) in bodies {
            let rejection = try #require(throws: SubmissionRejected.self) { try validator.validate(body) }
            #expect(rejection.problems.map(\.field) == [field], "\(rejection.problems)")
        }
        for member in ["note", "reason"] {
            var fields: [String: JSONValue] = ["unit": .string("parks"), "status": .string("rejected"), "reason": .string("r")]
            fields[member] = .string("a\u{0}")
            let error = try #require(throws: APIError.self) { try IntakeAPI.statusUpdate(fields, reportID: UUID(), keyUnit: "parks") }
            // A refused reason also leaves the rejection without one: both name the member.
            #expect(error.status == .badRequest && Set(error.fields.map(\.field)) == [member], "\(error)")
            #expect(error.fields.first?.code == "invalid-value", "\(error)")
        }
    }
}
