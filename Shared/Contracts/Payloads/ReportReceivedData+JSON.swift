import JSON
extension ReportReceivedData {
    /// Reads the data of a `report.received` (or the report inside a `report.classified`) straight from the
    /// parsed event — the hot path: `CloudEvent.payload(as:)` encodes the parsed data again and decodes it
    /// with `JSONDecoder`, a fifth of the classifier's CPU per report. As strict as the `Decodable`
    /// conformance: every required member present with its type, optional members absent, null or of their
    /// type, unknown members ignored. Nil when it is not one (the delivery is then dead-lettered).
    public init?(json data: JSONValue) {
        guard data.objectValue != nil,
              let reportID = data["report_id"]?.stringValue, let trackingCode = data["tracking_code"]?.stringValue,
              let channel = data["channel"]?.stringValue, let description = data["description"]?.stringValue,
              let attributes = data["attributes"]?.objectValue, let contactAllowed = data["contact_allowed"]?.boolValue,
              let media = data["media_urls"]?.arrayValue, let receivedAt = data["received_at"]?.stringValue,
              let serviceCode = JSONValue.optionalString(data["service_code"]),
              let reporter = data["reporter"], reporter.objectValue != nil,
              let type = JSONValue.optionalString(reporter["type"]), let language = JSONValue.optionalString(reporter["language"]),
              let ageBand = JSONValue.optionalString(reporter["age_band"]), let notify = JSONValue.optionalBool(reporter["notify"])
        else { return nil }
        var mediaURLs: [String] = []
        mediaURLs.reserveCapacity(media.count)
        for item in media {
            guard let url = item.stringValue else { return nil }
            mediaURLs.append(url)
        }
        var location: ReportLocation?
        if let value = data["location"], value != .null {
            guard value.objectValue != nil, let lat = JSONValue.optionalNumber(value["lat"]), let long = JSONValue.optionalNumber(value["long"]),
                  let address = JSONValue.optionalString(value["address"]), let district = JSONValue.optionalNumber(value["district"])
            else { return nil }
            // `Int`'s `Decodable` refuses a fraction; the old round trip wrote whole numbers below 1e15 as integers.
            var districtNumber: Int?
            if let district {
                guard abs(district) < 1e15, let whole = Int(exactly: district) else { return nil }
                districtNumber = whole
            }
            location = ReportLocation(lat: lat, long: long, address: address, district: districtNumber)
        }
        var contact: ReporterContact?
        if let value = data["contact"], value != .null {
            guard value.objectValue != nil, let name = JSONValue.optionalString(value["name"]), let phone = JSONValue.optionalString(value["phone"]),
                  let email = JSONValue.optionalString(value["email"])
            else { return nil }
            contact = ReporterContact(name: name, phone: phone, email: email)
        }
        self.init(
            reportID: reportID, trackingCode: trackingCode, channel: channel, description: description, serviceCode: serviceCode,
            attributes: attributes, location: location,
            reporter: ReporterProfile(type: type, language: language, ageBand: ageBand, notify: notify),
            contact: contact, contactAllowed: contactAllowed, mediaURLs: mediaURLs, receivedAt: receivedAt)
    }
}

extension ReportReceivedData: JSONWritable {
    /// Writes the report as `JSONEncoder` with sorted keys would (absent parts left out): intake emits one
    /// per report, and the classifier carries it on in `report.classified`.
    public func writeJSON(into json: inout JSONText) {
        json.raw("{")
        json.member("attributes", value: .object(attributes), first: true)
        json.member("channel", channel)
        if let contact { json.member("contact", writing: contact) }
        json.member("contact_allowed", bool: contactAllowed)
        json.member("description", description)
        if let location { json.member("location", writing: location) }
        json.member("media_urls", strings: mediaURLs)
        json.member("received_at", receivedAt)
        json.member("report_id", reportID)
        json.member("reporter", writing: reporter)
        if let serviceCode { json.member("service_code", serviceCode) }
        json.member("tracking_code", trackingCode)
        json.raw("}")
    }
}
