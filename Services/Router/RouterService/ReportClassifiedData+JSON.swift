import Events

extension ReportClassifiedData {
    /// Reads the data of a `report.classified` straight from the parsed event (the hot path: no encode and
    /// decode round trip through `Codable`), as strictly as its `Decodable` conformance: every required
    /// member present with its type, optional members absent, null or of their type. Nil when it is not one.
    init?(json data: JSONValue) {
        guard let report = data["report"], let c = data["classification"],
              let reportID = report["report_id"]?.stringValue, let trackingCode = report["tracking_code"]?.stringValue,
              let channel = report["channel"]?.stringValue, let description = report["description"]?.stringValue,
              let attributes = report["attributes"]?.objectValue, let reporter = report["reporter"],
              let contactAllowed = report["contact_allowed"]?.boolValue, let media = report["media_urls"]?.arrayValue,
              let receivedAt = report["received_at"]?.stringValue,
              let serviceCode = c["service_code"]?.stringValue, let childFriendly = c["child_friendly"]?.boolValue,
              let priority = c["priority"]?.stringValue, let confidence = c["confidence"]?.numberValue,
              let evidence = c["evidence"]?.arrayValue, let triage = c["triage"]?.boolValue,
              let modelVersion = c["model_version"]?.stringValue
        else { return nil }
        var mediaURLs: [String] = []
        for item in media {
            guard let url = item.stringValue else { return nil }
            mediaURLs.append(url)
        }
        var evidenceTexts: [String] = []
        for item in evidence {
            guard let text = item.stringValue else { return nil }
            evidenceTexts.append(text)
        }
        guard let requested = Self.optionalString(report["service_code"]),
              let channelCode = Self.optionalString(c["channel_service_code"]),
              let triageReason = Self.optionalString(c["triage_reason"]),
              let type = Self.optionalString(reporter["type"]), let language = Self.optionalString(reporter["language"]),
              let ageBand = Self.optionalString(reporter["age_band"])
        else { return nil }
        var location: ReportLocation?
        if let value = report["location"], value != .null {
            guard value.objectValue != nil, let lat = Self.optionalNumber(value["lat"]), let long = Self.optionalNumber(value["long"]),
                  let address = Self.optionalString(value["address"]), let district = Self.optionalNumber(value["district"]),
                  district.map({ $0 == $0.rounded() && abs($0) < 1e9 }) ?? true
            else { return nil }
            location = ReportLocation(lat: lat, long: long, address: address, district: district.map { Int($0) })
        }
        var contact: ReporterContact?
        if let value = report["contact"], value != .null {
            guard value.objectValue != nil, let name = Self.optionalString(value["name"]), let phone = Self.optionalString(value["phone"]),
                  let email = Self.optionalString(value["email"])
            else { return nil }
            contact = ReporterContact(name: name, phone: phone, email: email)
        }
        guard reporter.objectValue != nil else { return nil }
        self.init(
            report: ReportReceivedData(
                reportID: reportID, trackingCode: trackingCode, channel: channel, description: description, serviceCode: requested,
                attributes: attributes, location: location, reporter: ReporterProfile(type: type, language: language, ageBand: ageBand),
                contact: contact, contactAllowed: contactAllowed, mediaURLs: mediaURLs, receivedAt: receivedAt),
            classification: ReportClassification(
                serviceCode: serviceCode, channelServiceCode: channelCode, childFriendly: childFriendly, priority: priority,
                confidence: confidence, evidence: evidenceTexts, triage: triage, triageReason: triageReason, modelVersion: modelVersion))
    }

    /// `.some(nil)` for an absent or null member, `.some(text)` for a string, nil (not decodable) otherwise.
    private static func optionalString(_ value: JSONValue?) -> String?? {
        switch value {
        case nil, .null?: return .some(nil)
        case .string(let text)?: return .some(text)
        default: return nil
        }
    }

    /// As ``optionalString(_:)`` for numbers.
    private static func optionalNumber(_ value: JSONValue?) -> Double?? {
        switch value {
        case nil, .null?: return .some(nil)
        case .number(let number)?: return .some(number)
        default: return nil
        }
    }
}
