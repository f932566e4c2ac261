import WebAPI
import Foundation

extension Open311Submission {
    /// The validator's problems under the names the Open311 client sent (`lat`, `address_string`,
    /// `attribute[equipment]`, …) instead of the native paths (`location.lat`, `attributes.equipment`).
    static func open311Problems(_ rejection: SubmissionRejected) -> [FieldProblem] {
        rejection.problems.map { problem in
            let name = open311Name(of: problem.field)
            var message = problem.message.replacingOccurrences(of: problem.field, with: name)
            if problem.field == "location", problem.code == "required" {
                message = "give lat and long, or address_string with district (1 to 22)"
            } else if problem.field == "location.district", problem.code == "required" {
                message = "address_string needs district (1 to 22)"
            }
            return FieldProblem(field: name, code: problem.code, message: message)
        }
    }

    /// The Open311 parameter behind a native field path.
    static func open311Name(of field: String) -> String {
        switch field {
        case "location.lat": return "lat"
        case "location.long": return "long"
        case "location.address": return "address_string"
        case "location.district": return "district"
        case "location": return "location"
        case "reporter.name": return "first_name/last_name"
        case "reporter.phone": return "phone"
        case "reporter.email": return "email"
        case "reporter.language": return "locale"
        case "attributes": return "attribute"
        case "media_urls": return "media_url"
        default:
            if field.hasPrefix("attributes.") { return "attribute[\(field.dropFirst("attributes.".count))]" }
            if field.hasPrefix("media_urls[") { return "media_url" }
            return field
        }
    }
}
