import WebAPI
import Contracts
import Foundation
import JSON
import Taxonomy

/// Checks a submission — from the native API, an AMQP channel or Open311 — field by field and turns it
/// into a ``ReportDraft``, or a ``SubmissionRejected`` naming every field that is wrong.
public struct SubmissionValidator: Sendable {
    /// The channels a report may come from.
    public static let channels: Set<String> = ["137-phone", "1888-web", "web", "app", "sms", "open311"]
    /// Reporter types.
    public static let reporterTypes: Set<String> = ["child", "parent", "other"]
    /// Age bands a channel may give.
    public static let ageBands: Set<String> = ["0-6", "7-12", "13-17", "18+"]
    /// Preferred languages for messages.
    public static let languages: Set<String> = ["fa", "en"]
    /// Longest description, in characters.
    public static let maxDescriptionLength = 4_000
    /// Most media links per report.
    public static let maxMediaURLs = 10

    private static let topLevelFields: Set<String> = [
        "channel", "description", "service_code", "attributes", "location", "reporter", "contact_allowed", "media_urls",
    ]
    private static let locationFields: Set<String> = ["lat", "long", "address", "district"]
    private static let reporterFields: Set<String> = ["name", "phone", "email", "language", "type", "age_band", "notify"]

    /// The taxonomy service codes and attributes are checked against.
    public let taxonomy: Taxonomy
    /// Where coordinates must fall.
    public let bounds: CityBounds

    /// Creates a validator.
    public init(taxonomy: Taxonomy, bounds: CityBounds) {
        self.taxonomy = taxonomy
        self.bounds = bounds
    }

    /// Validates a native (JSON) submission.
    public func validate(_ body: JSONValue) throws(SubmissionRejected) -> ReportDraft {
        guard case .object(let fields) = body else {
            throw SubmissionRejected(problems: [FieldProblem(field: "", code: "wrong-type", message: "the body must be a JSON object")])
        }
        var problems: [FieldProblem] = []
        for key in fields.keys.sorted() where !Self.topLevelFields.contains(key) {
            problems.append(FieldProblem(field: key, code: "unknown-field", message: "no such field"))
        }
        let channel = checkChannel(fields["channel"], &problems)
        let description = checkDescription(fields["description"], &problems)
        let serviceCode = checkServiceCode(fields["service_code"], &problems)
        let attributes = checkAttributes(fields["attributes"], serviceCode: serviceCode, &problems)
        let location = checkLocation(fields["location"], &problems)
        let (reporter, contact) = checkReporter(fields["reporter"], &problems)
        let contactAllowed = checkBool(fields["contact_allowed"], field: "contact_allowed", &problems) ?? false
        let mediaURLs = checkMediaURLs(fields["media_urls"], &problems)
        guard problems.isEmpty, let channel, let description, let location else {
            throw SubmissionRejected(problems: problems)
        }
        return ReportDraft(
            channel: channel, description: description, serviceCode: serviceCode, attributes: attributes,
            location: location, reporter: reporter, contact: contact, contactAllowed: contactAllowed, mediaURLs: mediaURLs
        )
    }

    // MARK: Fields

    private func checkChannel(_ value: JSONValue?, _ problems: inout [FieldProblem]) -> String? {
        guard let text = checkString(value, field: "channel", required: true, &problems) else { return nil }
        guard Self.channels.contains(text) else {
            problems.append(FieldProblem(field: "channel", code: "invalid-value", message: "channel must be one of \(Self.channels.sorted().joined(separator: ", "))"))
            return nil
        }
        return text
    }

    private func checkDescription(_ value: JSONValue?, _ problems: inout [FieldProblem]) -> String? {
        guard let raw = checkString(value, field: "description", required: true, &problems) else { return nil }
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty {
            problems.append(FieldProblem(field: "description", code: "required", message: "description must not be empty"))
            return nil
        }
        if text.count > Self.maxDescriptionLength {
            problems.append(FieldProblem(field: "description", code: "too-long", message: "description has more than \(Self.maxDescriptionLength) characters"))
            return nil
        }
        if Self.containsMarkup(text) {
            problems.append(FieldProblem(field: "description", code: "html-not-allowed", message: "description must be plain text, without HTML tags"))
            return nil
        }
        return text
    }

    private func checkServiceCode(_ value: JSONValue?, _ problems: inout [FieldProblem]) -> String? {
        guard let code = checkString(value, field: "service_code", required: false, &problems) else { return nil }
        guard taxonomy.service(code) != nil else {
            problems.append(FieldProblem(field: "service_code", code: "unknown-service-code", message: "no service has this code; see /open311/v2/services.json"))
            return nil
        }
        return code
    }

    private func checkAttributes(_ value: JSONValue?, serviceCode: String?, _ problems: inout [FieldProblem]) -> [String: JSONValue] {
        var given: [String: JSONValue] = [:]
        switch value {
        case nil, .null?: break
        case .object(let object)?: given = object
        case _?:
            problems.append(FieldProblem(field: "attributes", code: "wrong-type", message: "attributes must be an object"))
            return [:]
        }
        guard let serviceCode, let service = taxonomy.service(serviceCode) else {
            if !given.isEmpty {
                problems.append(FieldProblem(field: "attributes", code: "service-code-required", message: "attributes belong to a service; give a valid service_code"))
            }
            return [:]
        }
        var accepted: [String: JSONValue] = [:]
        for key in given.keys.sorted() {
            let field = "attributes.\(key)"
            guard let attribute = service.attribute(key) else {
                problems.append(FieldProblem(field: field, code: "unknown-attribute", message: "service \(serviceCode) has no attribute \(key)"))
                continue
            }
            if let problem = Self.check(given[key]!, against: attribute, field: field) {
                problems.append(problem)
            } else if given[key] != .null {
                accepted[key] = given[key]
            }
        }
        for attribute in service.attributes where attribute.required && (accepted[attribute.code] == nil) && given[attribute.code] == nil {
            problems.append(FieldProblem(field: "attributes.\(attribute.code)", code: "required", message: "service \(serviceCode) requires this attribute"))
        }
        return accepted
    }

    /// The problem with one attribute value, or nil when it fits the attribute's datatype.
    static func check(_ value: JSONValue, against attribute: ServiceAttribute, field: String) -> FieldProblem? {
        let allowed = Set(attribute.values.map(\.key))
        switch (attribute.datatype, value) {
        case (_, .null):
            return attribute.required ? FieldProblem(field: field, code: "required", message: "this attribute is required") : nil
        case (.string, .string(let text)):
            return text.count <= 200 && !containsMarkup(text) ? nil : FieldProblem(field: field, code: "invalid-value", message: "at most 200 characters of plain text")
        case (.text, .string(let text)):
            return text.count <= maxDescriptionLength && !containsMarkup(text) ? nil : FieldProblem(field: field, code: "invalid-value", message: "at most 4000 characters of plain text")
        case (.number, .number(let number)):
            return number.isFinite ? nil : FieldProblem(field: field, code: "invalid-value", message: "must be a finite number")
        case (.datetime, .string(let text)):
            return (try? Date.ISO8601FormatStyle().parse(text)) != nil ? nil : FieldProblem(field: field, code: "invalid-value", message: "must be an ISO 8601 date-time with zone")
        case (.singlevaluelist, .string(let key)):
            return allowed.contains(key) ? nil : FieldProblem(field: field, code: "invalid-value", message: "must be one of \(allowed.sorted().joined(separator: ", "))")
        case (.multivaluelist, .array(let items)):
            let keys = items.compactMap(\.stringValue)
            return keys.count == items.count && !keys.isEmpty && Set(keys).isSubset(of: allowed)
                ? nil : FieldProblem(field: field, code: "invalid-value", message: "must be a non-empty list of \(allowed.sorted().joined(separator: ", "))")
        default:
            return FieldProblem(field: field, code: "wrong-type", message: "must be of datatype \(attribute.datatype.rawValue)")
        }
    }

    private func checkLocation(_ value: JSONValue?, _ problems: inout [FieldProblem]) -> ReportLocation? {
        guard let value, value != .null else {
            problems.append(FieldProblem(field: "location", code: "required", message: "give lat and long, or an address with its district"))
            return nil
        }
        guard case .object(let fields) = value else {
            problems.append(FieldProblem(field: "location", code: "wrong-type", message: "location must be an object"))
            return nil
        }
        for key in fields.keys.sorted() where !Self.locationFields.contains(key) {
            problems.append(FieldProblem(field: "location.\(key)", code: "unknown-field", message: "no such field"))
        }
        let count = problems.count
        let lat = checkNumber(fields["lat"], field: "location.lat", &problems)
        let long = checkNumber(fields["long"], field: "location.long", &problems)
        // A blank address is no address: it would let a report through with nowhere to send anyone (and
        // Open311 list it with neither a point nor an address). Kept without the blanks around it.
        let address = checkString(fields["address"], field: "location.address", required: false, &problems)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
        let district = checkInteger(fields["district"], field: "location.district", &problems)
        guard problems.count == count else { return nil }
        if (lat == nil) != (long == nil) {
            problems.append(FieldProblem(field: lat == nil ? "location.lat" : "location.long", code: "required", message: "lat and long go together"))
            return nil
        }
        if let lat, let long, !bounds.contains(lat: lat, long: long) {
            problems.append(FieldProblem(field: "location", code: "outside-city", message: "the coordinates are outside the city's bounds"))
            return nil
        }
        if let district, !(1...22).contains(district) {
            problems.append(FieldProblem(field: "location.district", code: "invalid-value", message: "district must be 1 to 22"))
            return nil
        }
        if let address {
            if address.count > 500 || Self.containsMarkup(address) {
                problems.append(FieldProblem(field: "location.address", code: "invalid-value", message: "at most 500 characters of plain text"))
                return nil
            }
            if lat == nil, district == nil {
                problems.append(FieldProblem(field: "location.district", code: "required", message: "an address needs its district (1 to 22)"))
                return nil
            }
        } else if lat == nil {
            problems.append(FieldProblem(field: "location", code: "required", message: "give lat and long, or an address with its district"))
            return nil
        }
        return ReportLocation(lat: lat, long: long, address: address, district: district)
    }

    private func checkReporter(_ value: JSONValue?, _ problems: inout [FieldProblem]) -> (ReporterProfile, ReporterContact?) {
        guard let value, value != .null else { return (ReporterProfile(), nil) }
        guard case .object(let fields) = value else {
            problems.append(FieldProblem(field: "reporter", code: "wrong-type", message: "reporter must be an object"))
            return (ReporterProfile(), nil)
        }
        for key in fields.keys.sorted() where !Self.reporterFields.contains(key) {
            problems.append(FieldProblem(field: "reporter.\(key)", code: "unknown-field", message: "no such field"))
        }
        var contact = ReporterContact()
        if let name = checkString(fields["name"], field: "reporter.name", required: false, &problems) {
            if name.count > 200 || Self.containsMarkup(name) {
                problems.append(FieldProblem(field: "reporter.name", code: "invalid-value", message: "at most 200 characters of plain text"))
            } else {
                contact.name = name.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        if let phone = checkString(fields["phone"], field: "reporter.phone", required: false, &problems) {
            if let number = PhoneNumber(parsing: phone) {
                contact.phone = number.e164
            } else {
                problems.append(FieldProblem(field: "reporter.phone", code: "invalid-phone", message: "an Iranian mobile number: 09…, +989… or 00989…"))
            }
        }
        if let email = checkString(fields["email"], field: "reporter.email", required: false, &problems) {
            if Self.isEmailAddress(email) {
                contact.email = email
            } else {
                problems.append(FieldProblem(field: "reporter.email", code: "invalid-email", message: "not an e-mail address"))
            }
        }
        let language = checkEnum(fields["language"], field: "reporter.language", allowed: Self.languages, &problems)
        let type = checkEnum(fields["type"], field: "reporter.type", allowed: Self.reporterTypes, &problems)
        let ageBand = checkEnum(fields["age_band"], field: "reporter.age_band", allowed: Self.ageBands, &problems)
        // Messages about the report (SMS, e-mail) are wanted unless the reporter says no; only a refusal travels.
        let notify = checkBool(fields["notify"], field: "reporter.notify", &problems)
        return (ReporterProfile(type: type, language: language, ageBand: ageBand, notify: notify == false ? false : nil),
                contact.isEmpty ? nil : contact)
    }

    private func checkMediaURLs(_ value: JSONValue?, _ problems: inout [FieldProblem]) -> [String] {
        guard let value, value != .null else { return [] }
        guard case .array(let items) = value else {
            problems.append(FieldProblem(field: "media_urls", code: "wrong-type", message: "media_urls must be an array of URLs"))
            return []
        }
        if items.count > Self.maxMediaURLs {
            problems.append(FieldProblem(field: "media_urls", code: "too-many", message: "at most \(Self.maxMediaURLs) media links"))
            return []
        }
        var urls: [String] = []
        for (index, item) in items.enumerated() {
            guard let text = item.stringValue, Self.isMediaURL(text) else {
                problems.append(FieldProblem(field: "media_urls[\(index)]", code: "invalid-url", message: "an http(s) URL of at most 2048 characters"))
                continue
            }
            urls.append(text)
        }
        return urls
    }

    // MARK: Primitives

    /// Whether `text` is a media link intake keeps: an http(s) URL with a host, at most 2048 characters, no NUL.
    static func isMediaURL(_ text: String) -> Bool {
        guard text.count <= 2_048, !text.unicodeScalars.contains("\u{0}"), let url = URL(string: text),
              let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http"
        else { return false }
        return url.host?.isEmpty == false
    }

    private func checkString(_ value: JSONValue?, field: String, required: Bool, _ problems: inout [FieldProblem]) -> String? {
        switch value {
        case nil, .null?:
            if required { problems.append(FieldProblem(field: field, code: "required", message: "\(field) is required")) }
            return nil
        case .string(let text)? where text.unicodeScalars.contains("\u{0}"):
            // PostgreSQL's text and jsonb cannot hold NUL: storing it failed the whole batch as a 503.
            problems.append(FieldProblem(field: field, code: "invalid-character", message: "\(field) must not contain a NUL character"))
            return nil
        case .string(let text)?:
            return text
        case _?:
            problems.append(FieldProblem(field: field, code: "wrong-type", message: "\(field) must be a string"))
            return nil
        }
    }

    private func checkNumber(_ value: JSONValue?, field: String, _ problems: inout [FieldProblem]) -> Double? {
        switch value {
        case nil, .null?: return nil
        case .number(let number)? where number.isFinite: return number
        case _?:
            problems.append(FieldProblem(field: field, code: "wrong-type", message: "\(field) must be a number"))
            return nil
        }
    }

    private func checkInteger(_ value: JSONValue?, field: String, _ problems: inout [FieldProblem]) -> Int? {
        guard let number = checkNumber(value, field: field, &problems) else { return nil }
        guard number == number.rounded(), abs(number) < 1e9 else {
            problems.append(FieldProblem(field: field, code: "wrong-type", message: "\(field) must be a whole number"))
            return nil
        }
        return Int(number)
    }

    private func checkBool(_ value: JSONValue?, field: String, _ problems: inout [FieldProblem]) -> Bool? {
        switch value {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        case _?:
            problems.append(FieldProblem(field: field, code: "wrong-type", message: "\(field) must be true or false"))
            return nil
        }
    }

    private func checkEnum(_ value: JSONValue?, field: String, allowed: Set<String>, _ problems: inout [FieldProblem]) -> String? {
        guard let text = checkString(value, field: field, required: false, &problems) else { return nil }
        guard allowed.contains(text) else {
            problems.append(FieldProblem(field: field, code: "invalid-value", message: "\(field) must be one of \(allowed.sorted().joined(separator: ", "))"))
            return nil
        }
        return text
    }

    /// Whether the text is not plain text: it has an HTML tag, comment or character reference (`<b>`, `</p>`,
    /// `<!--`, `&#60;`), or a NUL character (which no PostgreSQL text or jsonb value can hold).
    static func containsMarkup(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        if scalars.contains("\u{0}") { return true }
        for (index, scalar) in scalars.enumerated() where scalar == "<" || scalar == "&" {
            guard index + 1 < scalars.count else { continue }
            let next = scalars[index + 1]
            if scalar == "<", next == "/" || next == "!" || next == "?" || (next.isASCII && next.properties.isAlphabetic) { return true }
            if scalar == "&", next == "#" || (next.isASCII && next.properties.isAlphabetic && scalars[(index + 1)...].prefix(10).contains(";")) { return true }
        }
        return false
    }

    /// A pragmatic e-mail check: one `@`, a dotted domain, no spaces, at most 254 characters.
    static func isEmailAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard text.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !text.contains(where: \.isWhitespace)
        else { return false }
        return true
    }
}
