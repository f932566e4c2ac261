/// What may be known about a reporter without identifying them.
public struct ReporterProfile: Sendable, Hashable, Codable {
    /// `child`, `parent` or `other`.
    public var type: String?
    /// Preferred language for messages (`fa` or `en`).
    public var language: String?
    /// Age band as the channel gave it (e.g. `7-12`).
    public var ageBand: String?

    /// Creates a profile.
    public init(type: String? = nil, language: String? = nil, ageBand: String? = nil) {
        self.type = type
        self.language = language
        self.ageBand = ageBand
    }

    enum CodingKeys: String, CodingKey {
        case type, language
        case ageBand = "age_band"
    }
}
