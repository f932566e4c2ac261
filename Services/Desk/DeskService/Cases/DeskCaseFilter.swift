/// What the case list is narrowed to (the list page's filter form).
struct DeskCaseFilter: Sendable, Equatable {
    /// Two-digit district (`06`), or all.
    var district: String?
    /// A status, `open` (any open status), or all.
    var status: String?
    /// A service code, or all.
    var serviceCode: String?
    /// A tracking code, or its beginning.
    var trackingCode: String?

    /// The most rows a list shows (open ones first: the ones to work on are never cut off by old closed ones).
    static let limit = 300

    /// The filter of a list page's query items; unknown or malformed values are ignored.
    init(district: String? = nil, status: String? = nil, serviceCode: String? = nil, trackingCode: String? = nil) {
        self.district = district.flatMap { Int($0) }.flatMap { (1...22).contains($0) ? (($0 < 10 ? "0" : "") + String($0)) : nil }
        self.status = status.flatMap { $0.isEmpty ? nil : $0 }
        self.serviceCode = serviceCode.flatMap { $0.isEmpty || $0.count > 40 ? nil : $0.uppercased() }
        self.trackingCode = trackingCode.flatMap { text in
            // Persian and Arabic-Indic digits count too: staff type the code the reporter reads out.
            let digits = text.compactMap { $0.isNumber ? $0.wholeNumberValue : nil }.filter { $0 < 10 }.map(String.init).joined()
            return digits.isEmpty ? nil : String(digits.prefix(10))
        }
    }
}
