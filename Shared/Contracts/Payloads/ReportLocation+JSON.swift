import JSON
extension ReportLocation: JSONWritable {
    /// Writes the location as `JSONEncoder` with sorted keys would (absent parts left out).
    public func writeJSON(into json: inout JSONText) {
        json.raw("{")
        var first = true
        if let address { json.member("address", address, first: first); first = false }
        if let district { json.member("district", literal: String(district), first: first); first = false }
        if let lat { json.member("lat", number: lat, first: first); first = false }
        if let long { json.member("long", number: long, first: first) }
        json.raw("}")
    }
}
