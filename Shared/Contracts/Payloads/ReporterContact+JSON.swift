import JSON
extension ReporterContact: JSONWritable {
    /// Writes the contact as `JSONEncoder` with sorted keys would (absent parts left out).
    public func writeJSON(into json: inout JSONText) {
        json.raw("{")
        var first = true
        if let email { json.member("email", email, first: first); first = false }
        if let name { json.member("name", name, first: first); first = false }
        if let phone { json.member("phone", phone, first: first) }
        json.raw("}")
    }
}
