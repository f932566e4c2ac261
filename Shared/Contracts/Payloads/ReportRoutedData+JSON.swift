import JSON
extension ReportRoutedData: JSONWritable {
    /// Writes the event's data as `JSONEncoder` with sorted keys would.
    public func writeJSON(into json: inout JSONText) {
        json.raw("{")
        json.member("channel", channel, first: true)
        json.member("child_friendly", bool: childFriendly)
        json.member("deadline", deadline)
        json.member("district", district)
        json.member("priority", priority)
        json.member("received_at", receivedAt)
        json.member("report_id", reportID)
        if let reporterType { json.member("reporter_type", reporterType) }
        json.member("service_code", serviceCode)
        json.member("tracking_code", trackingCode)
        json.member("triage", bool: triage)
        json.member("unit", unit)
        json.raw("}")
    }
}
