import JSON
extension ReportAssignedData: JSONWritable {
    /// Writes the delivery as `JSONEncoder` with sorted keys would (the router emits one or two per report).
    public func writeJSON(into json: inout JSONText) {
        json.raw("{")
        json.member("assignment", literal: String(assignment), first: true)
        json.member("attributes", value: .object(attributes))
        json.member("child_friendly", bool: childFriendly)
        if let contact { json.member("contact", writing: contact) }
        json.member("deadline", deadline)
        json.member("description", description)
        json.member("district", district)
        if let location { json.member("location", writing: location) }
        json.member("media_urls", strings: mediaURLs)
        json.member("priority", priority)
        json.member("received_at", receivedAt)
        json.member("report_id", reportID)
        json.member("reporter", writing: reporter)
        json.member("service_code", serviceCode)
        json.member("tracking_code", trackingCode)
        json.member("unit", unit)
        json.raw("}")
    }
}
