import Foundation
import JSON

/// One report the load generator submits: a citizen's description (Persian, English or Finglish), where
/// it is, who reports it and — for some — how to reach them. The same report can be sent over any channel.
struct LoadgenReport: Sendable, Hashable {
    /// Where the report is: coordinates inside Tehran's bounds, or an address with its district.
    enum Place: Sendable, Hashable {
        case coordinates(lat: Double, long: Double)
        case address(String, district: Int)
    }

    /// The reporter's name and mobile number (sent only by some reports; never logged).
    struct Contact: Sendable, Hashable {
        /// First name.
        var firstName: String
        /// Last name.
        var lastName: String
        /// An Iranian mobile number, as people write it (`0912…`).
        var phone: String
    }

    /// Position in the run (also what made it: the generator is deterministic per sequence).
    var sequence: Int
    /// What the reporter said.
    var description: String
    /// `fa` or `en`: the language to answer in (Finglish reporters read Persian).
    var language: String
    /// The corpus's language tag of the text: `fa`, `en` or `fi` (Finglish).
    var textLanguage: String
    /// The service code the text is labelled with (what the classifier is expected to decide).
    var serviceCode: String
    /// Whether the text is a child-friendly city report (a `CFC-*` code).
    var child: Bool
    /// Where.
    var place: Place
    /// `child`, `parent` or `other`.
    var reporterType: String
    /// The reporter's contact, when given.
    var contact: Contact?
    /// Whether the reporter lets the unit contact them.
    var contactAllowed: Bool

    /// The native API's JSON body; `channel` nil leaves the field out (an AMQP channel's routing key names it).
    func nativeBody(channel: String?) -> [UInt8] {
        var fields: [String: JSONValue] = [
            "description": .string(description),
            "contact_allowed": .bool(contactAllowed),
        ]
        if let channel { fields["channel"] = .string(channel) }
        switch place {
        case .coordinates(let lat, let long):
            fields["location"] = .object(["lat": .number(lat), "long": .number(long)])
        case .address(let address, let district):
            fields["location"] = .object(["address": .string(address), "district": .number(Double(district))])
        }
        var reporter: [String: JSONValue] = ["language": .string(language), "type": .string(reporterType)]
        if let contact {
            reporter["name"] = .string("\(contact.firstName) \(contact.lastName)")
            reporter["phone"] = .string(contact.phone)
        }
        fields["reporter"] = .object(reporter)
        return (try? JSONEncoder().encode(JSONValue.object(fields))).map { Array($0) } ?? []
    }

    /// The Open311 `POST requests` form (application/x-www-form-urlencoded); Open311 clients pick the
    /// service code themselves, so the labelled code goes with it.
    func open311Form(apiKey: String) -> String {
        var pairs: [(String, String)] = [
            ("api_key", apiKey), ("service_code", serviceCode), ("description", description),
            ("locale", language), ("contact_allowed", contactAllowed ? "true" : "false"),
        ]
        switch place {
        case .coordinates(let lat, let long):
            pairs += [("lat", String(lat)), ("long", String(long))]
        case .address(let address, let district):
            pairs += [("address_string", address), ("district", String(district))]
        }
        if let contact {
            pairs += [("first_name", contact.firstName), ("last_name", contact.lastName), ("phone", contact.phone)]
        }
        return pairs.map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&")
    }

    private static let formAllowed: CharacterSet = {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._*")
        return allowed
    }()

    /// `application/x-www-form-urlencoded` encoding of one name or value (UTF-8, space as `+`).
    static func formEncode(_ text: String) -> String {
        (text.addingPercentEncoding(withAllowedCharacters: formAllowed.union(CharacterSet(charactersIn: " "))) ?? "")
            .replacingOccurrences(of: " ", with: "+")
    }
}
