/// One line of the labelled corpus (`Corpus/*.jsonl`): a report as a caller wrote it, with the service
/// code and priority a person gave it.
public struct LabelledReport: Sendable, Hashable, Codable {
    /// Stable id of the line (`cfc-0042`, `gen-0007`), named in evaluation output.
    public var id: String
    /// What the caller said.
    public var description: String
    /// The expected service code.
    public var serviceCode: String
    /// The expected priority (`P0`, `P1`, `P2`); absent in some evaluation files.
    public var priority: String?
    /// `fa`, `en` or `fi` (Finglish); absent in some evaluation files.
    public var lang: String?

    /// Creates a labelled report.
    public init(id: String, description: String, serviceCode: String, priority: String? = nil, lang: String? = nil) {
        self.id = id
        self.description = description
        self.serviceCode = serviceCode
        self.priority = priority
        self.lang = lang
    }

    enum CodingKeys: String, CodingKey {
        case id, description, priority, lang
        case serviceCode = "service_code"
    }
}
