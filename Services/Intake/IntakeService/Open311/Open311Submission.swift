import Foundation
import JSON
import Taxonomy

/// An Open311 `POST requests` as the native submission the shared ``SubmissionValidator`` checks, so
/// both APIs accept and refuse exactly the same reports. Open311's names map onto the native fields:
/// `lat`/`long`, `address_string` + `district` (our extension: an address needs its district) →
/// `location`; `first_name`/`last_name`/`phone`/`email` → `reporter`; `attribute[code]` (and
/// `attribute[code][]` for multi-value lists) → `attributes`; `media_url` → `media_urls`.
///
/// Values keep their text when they do not parse (a `lat` of `north`), so the validator names the field
/// as of the wrong type instead of this layer guessing. `device_id` and `account_id` are accepted and
/// not stored: intake has no accounts, and a device id identifies a person.
enum Open311Submission {
    /// The channel every Open311 report comes in on.
    static let channel = "open311"

    /// The native JSON body for the form's parameters.
    static func nativeBody(from form: Open311Form, taxonomy: Taxonomy) throws(Open311FormError) -> JSONValue {
        var body: [String: JSONValue] = ["channel": .string(channel)]
        if let description = try form.value("description") { body["description"] = .string(description) }
        let serviceCode = try form.value("service_code")
        if let serviceCode { body["service_code"] = .string(serviceCode) }

        var location: [String: JSONValue] = [:]
        if let lat = try form.value("lat") { location["lat"] = number(lat) }
        if let long = try form.value("long") { location["long"] = number(long) }
        if let address = try form.value("address_string") { location["address"] = .string(address) }
        if let district = try form.value("district") { location["district"] = number(district) }
        if location.isEmpty, try form.value("address_id") != nil {
            throw Open311FormError(
                "address_id is not supported by this jurisdiction; send lat and long, or address_string with district",
                code: "unsupported-address-id"
            )
        }
        if !location.isEmpty { body["location"] = .object(location) }

        var reporter: [String: JSONValue] = [:]
        let firstName = try form.value("first_name")
        let lastName = try form.value("last_name")
        let name = [firstName, lastName].compactMap { $0 }.joined(separator: " ")
        if !name.isEmpty { reporter["name"] = .string(name) }
        if let phone = try form.value("phone") { reporter["phone"] = .string(phone) }
        if let email = try form.value("email") { reporter["email"] = .string(email) }
        if let locale = try form.value("locale"), let language = Open311Language(rawValue: String(locale.lowercased().prefix(2))) {
            reporter["language"] = .string(language.code)
        }
        if !reporter.isEmpty { body["reporter"] = .object(reporter) }

        if let contactAllowed = try form.value("contact_allowed") {
            switch contactAllowed.lowercased() {
            case "true", "1": body["contact_allowed"] = .bool(true)
            case "false", "0": body["contact_allowed"] = .bool(false)
            default: body["contact_allowed"] = .string(contactAllowed)
            }
        }
        if let mediaURL = try form.value("media_url") { body["media_urls"] = .array([.string(mediaURL)]) }

        let service = serviceCode.flatMap(taxonomy.service)
        let attributes = try attributes(in: form, service: service)
        if !attributes.isEmpty { body["attributes"] = .object(attributes) }
        return .object(body)
    }

    /// `attribute[code]=value` and `attribute[code][]=value` pairs as native attribute values, typed by
    /// the service definition (a number attribute becomes a JSON number, a multi-value list an array).
    static func attributes(in form: Open311Form, service: ServiceDefinition?) throws(Open311FormError) -> [String: JSONValue] {
        var values: [String: [String]] = [:]
        var order: [String] = []
        for pair in form.pairs where pair.name.hasPrefix("attribute") {
            let code = try attributeCode(pair.name)
            if values[code] == nil { order.append(code) }
            values[code, default: []].append(pair.value)
        }
        var attributes: [String: JSONValue] = [:]
        for code in order {
            // An empty optional argument is the same as none (the spec's rule for every parameter).
            let given = values[code, default: []].filter { !$0.isEmpty }
            guard let first = given.first else { continue }
            let definition = service?.attribute(code)
            if definition?.datatype == .multivaluelist || (definition == nil && given.count > 1) {
                attributes[code] = .array(given.map(JSONValue.string))
                continue
            }
            guard given.allSatisfy({ $0 == first }) else {
                throw Open311FormError("attribute[\(code)] is given more than once; only multivaluelist attributes take several values")
            }
            attributes[code] = definition?.datatype == .number ? number(first) : .string(first)
        }
        return attributes
    }

    /// The code of `attribute[code]` or `attribute[code][]`.
    private static func attributeCode(_ name: String) throws(Open311FormError) -> String {
        var rest = Substring(name)
        guard rest.hasPrefix("attribute["), let close = rest.firstIndex(of: "]") else {
            throw Open311FormError("attributes are sent as attribute[code]=value (or attribute[code][]=value for several values)")
        }
        let code = rest[rest.index(rest.startIndex, offsetBy: 10)..<close]
        rest = rest[rest.index(after: close)...]
        guard !code.isEmpty, code.count <= 64, rest.isEmpty || rest == "[]" else {
            throw Open311FormError("attributes are sent as attribute[code]=value (or attribute[code][]=value for several values)")
        }
        return String(code)
    }

    /// A number when the text is one (finite), else the text itself for the validator to refuse.
    private static func number(_ text: String) -> JSONValue {
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else { return .string(text) }
        return .number(value)
    }
}
