import JSON
extension ReportClassification: JSONWritable {
    /// Writes the decision as `JSONEncoder` with sorted keys would (absent parts left out).
    public func writeJSON(into json: inout JSONText) {
        json.raw("{")
        var first = true
        if let channelServiceCode { json.member("channel_service_code", channelServiceCode, first: true); first = false }
        json.member("child_friendly", bool: childFriendly, first: first)
        json.member("confidence", number: confidence)
        json.member("evidence", strings: evidence)
        json.member("model_version", modelVersion)
        json.member("priority", priority)
        json.member("service_code", serviceCode)
        json.member("triage", bool: triage)
        if let triageReason { json.member("triage_reason", triageReason) }
        json.raw("}")
    }
}
