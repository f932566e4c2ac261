import Foundation
import JSON
import WebAPI

/// The report form as a browser posts it (citizens' page and the operators' call screen): every field a
/// string, as typed. It becomes the same JSON the API takes, so the page is checked by the API's own
/// validator and cannot accept what the API would refuse.
struct ReportForm: Decodable, Sendable {
    var service_code: String?
    var description: String?
    var district: String?
    var address: String?
    var lat: String?
    var long: String?
    var name: String?
    var phone: String?
    var email: String?
    var language: String?
    var contact_allowed: String?
    /// The form's id: the idempotency key of this form (a double click or a reload posts it once).
    var form_id: String?
    var _csrf: String?

    /// The submission for the validator: blank fields are left out, numbers are parsed (Persian or
    /// Arabic-Indic digits too); what does not parse goes through as text so the validator names it.
    func submission(channel: String) -> JSONValue {
        var fields: [String: JSONValue] = ["channel": .string(channel), "description": .string(description ?? "")]
        if let code = Self.blankless(service_code) { fields["service_code"] = .string(code) }
        var location: [String: JSONValue] = [:]
        if let address = Self.blankless(address) { location["address"] = .string(address) }
        if let district = Self.blankless(district) { location["district"] = Self.number(district) }
        if let lat = Self.blankless(lat), let long = Self.blankless(long) {
            location["lat"] = Self.number(lat)
            location["long"] = Self.number(long)
        }
        if !location.isEmpty { fields["location"] = .object(location) }
        var reporter: [String: JSONValue] = [:]
        if let name = Self.blankless(name) { reporter["name"] = .string(name) }
        if let phone = Self.blankless(phone) { reporter["phone"] = .string(phone) }
        if let email = Self.blankless(email) { reporter["email"] = .string(email) }
        if let language = Self.blankless(language) { reporter["language"] = .string(language) }
        if !reporter.isEmpty { fields["reporter"] = .object(reporter) }
        fields["contact_allowed"] = .bool(contact_allowed == "yes" || contact_allowed == "on")
        return .object(fields)
    }

    /// The text trimmed, nil when nothing is left.
    static func blankless(_ text: String?) -> String? {
        guard let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return trimmed
    }

    /// A number from Latin, Persian or Arabic-Indic digits; the text itself when it is none.
    static func number(_ text: String) -> JSONValue {
        // U+066B is the Arabic decimal separator.
        let latin = latinDigits(text).replacingOccurrences(of: "\u{66B}", with: ".")
        if let value = Double(latin), value.isFinite { return .number(value) }
        return .string(text)
    }

    /// The form's fields as the hash of an idempotency claim (the same form posted twice is one report;
    /// the same id with other contents is a conflict).
    var fingerprint: [UInt8] {
        let parts = [service_code, description, district, address, lat, long, name, phone, email, language, contact_allowed]
        return Array((parts.map { $0 ?? "\u{1}" }.joined(separator: "\u{0}")).utf8)
    }
}

extension ReportForm {
    /// `text` with Persian and Arabic-Indic digits as Latin ones (codes and secrets typed on a Persian keyboard).
    static func latinDigits(_ text: String) -> String {
        var latin = ""
        for scalar in text.unicodeScalars {
            if let digit = TrackingCode.digitValue(scalar) {
                latin.unicodeScalars.append(Unicode.Scalar(UInt8(0x30 + digit)))
            } else {
                latin.unicodeScalars.append(scalar)
            }
        }
        return latin.trimmingCharacters(in: .whitespaces)
    }
}
