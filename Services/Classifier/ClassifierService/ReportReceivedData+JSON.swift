import Events

extension ReportReceivedData {
    /// Reads the data of a `report.received` straight from the parsed event — the hot path: `CloudEvent.payload(as:)`
    /// encodes the parsed data again and decodes it with `JSONDecoder`, a fifth of the classifier's CPU per
    /// report. As strict as the `Decodable` conformance (the router's `ReportClassifiedData(json:)` does the
    /// same for its input): every required member present with its type, optional members absent, null or of
    /// their type, unknown members ignored. Nil when it is not one (the delivery is then dead-lettered).
    init?(json data: JSONValue) {
        guard data.objectValue != nil,
              let reportID = data["report_id"]?.stringValue, let trackingCode = data["tracking_code"]?.stringValue,
              let channel = data["channel"]?.stringValue, let description = data["description"]?.stringValue,
              let attributes = data["attributes"]?.objectValue, let contactAllowed = data["contact_allowed"]?.boolValue,
              let media = data["media_urls"]?.arrayValue, let receivedAt = data["received_at"]?.stringValue,
              let serviceCode = Self.optionalString(data["service_code"]),
              let reporter = data["reporter"], reporter.objectValue != nil,
              let type = Self.optionalString(reporter["type"]), let language = Self.optionalString(reporter["language"]),
              let ageBand = Self.optionalString(reporter["age_band"]), let notify = Self.optionalBool(reporter["notify"])
        else { return nil }
        var mediaURLs: [String] = []
        mediaURLs.reserveCapacity(media.count)
        for item in media {
            guard let url = item.stringValue else { return nil }
            mediaURLs.append(url)
        }
        var location: ReportLocation?
        if let value = data["location"], value != .null {
            guard value.objectValue != nil, let lat = Self.optionalNumber(value["lat"]), let long = Self.optionalNumber(value["long"]),
                  let address = Self.optionalString(value["address"]), let district = Self.optionalNumber(value["district"])
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
            guard value.objectValue != nil, let name = Self.optionalString(value["name"]), let phone = Self.optionalString(value["phone"]),
                  let email = Self.optionalString(value["email"])
            else { return nil }
            contact = ReporterContact(name: name, phone: phone, email: email)
        }
        self.init(
            reportID: reportID, trackingCode: trackingCode, channel: channel, description: description, serviceCode: serviceCode,
            attributes: attributes, location: location,
            reporter: ReporterProfile(type: type, language: language, ageBand: ageBand, notify: notify),
            contact: contact, contactAllowed: contactAllowed, mediaURLs: mediaURLs, receivedAt: receivedAt)
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

    /// As ``optionalString(_:)`` for booleans.
    private static func optionalBool(_ value: JSONValue?) -> Bool?? {
        switch value {
        case nil, .null?: return .some(nil)
        case .bool(let flag)?: return .some(flag)
        default: return nil
        }
    }
}
