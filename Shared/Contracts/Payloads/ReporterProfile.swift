/// What may be known about a reporter without identifying them.
public struct ReporterProfile: Sendable, Hashable, Codable {
    /// `child`, `parent` or `other`.
    public var type: String?
    /// Preferred language for messages (`fa` or `en`).
    public var language: String?
    /// Age band as the channel gave it (e.g. `7-12`).
    public var ageBand: String?
    /// `false` when the reporter asked for no messages about the report (the notifier then sends no SMS or
    /// e-mail); absent means they are wanted.
    public var notify: Bool?

    /// Creates a profile.
    public init(type: String? = nil, language: String? = nil, ageBand: String? = nil, notify: Bool? = nil) {
        self.type = type
        self.language = language
        self.ageBand = ageBand
        self.notify = notify
    }

    enum CodingKeys: String, CodingKey {
        case type, language, notify
        case ageBand = "age_band"
    }
}
