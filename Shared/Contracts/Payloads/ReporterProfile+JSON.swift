import JSON
extension ReporterProfile: JSONWritable {
    /// Writes the profile as `JSONEncoder` with sorted keys would (absent parts left out).
    public func writeJSON(into json: inout JSONText) {
        json.raw("{")
        var first = true
        if let ageBand { json.member("age_band", ageBand, first: first); first = false }
        if let language { json.member("language", language, first: first); first = false }
        if let notify { json.member("notify", bool: notify, first: first); first = false }
        if let type { json.member("type", type, first: first) }
        json.raw("}")
    }
}
