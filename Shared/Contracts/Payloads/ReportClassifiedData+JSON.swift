import JSON
extension ReportClassifiedData {
    /// Reads the data of a `report.classified` straight from the parsed event (the hot path: no encode and
    /// decode round trip through `Codable`), as strictly as its `Decodable` conformance: every required
    /// member present with its type, optional members absent, null or of their type. Nil when it is not one.
    public init?(json data: JSONValue) {
        guard let reportValue = data["report"], let report = ReportReceivedData(json: reportValue), let c = data["classification"],
              let serviceCode = c["service_code"]?.stringValue, let childFriendly = c["child_friendly"]?.boolValue,
              let priority = c["priority"]?.stringValue, let confidence = c["confidence"]?.numberValue,
              let evidence = c["evidence"]?.arrayValue, let triage = c["triage"]?.boolValue,
              let modelVersion = c["model_version"]?.stringValue,
              let channelCode = JSONValue.optionalString(c["channel_service_code"]),
              let triageReason = JSONValue.optionalString(c["triage_reason"])
        else { return nil }
        var evidenceTexts: [String] = []
        for item in evidence {
            guard let text = item.stringValue else { return nil }
            evidenceTexts.append(text)
        }
        self.init(
            report: report,
            classification: ReportClassification(
                serviceCode: serviceCode, channelServiceCode: channelCode, childFriendly: childFriendly, priority: priority,
                confidence: confidence, evidence: evidenceTexts, triage: triage, triageReason: triageReason, modelVersion: modelVersion))
    }
}

extension ReportClassifiedData: JSONWritable {
    /// Writes the data as `JSONEncoder` with sorted keys would: the classifier emits one per report.
    public func writeJSON(into json: inout JSONText) {
        json.raw("{")
        json.member("classification", writing: classification, first: true)
        json.member("report", writing: report)
        json.raw("}")
    }
}
