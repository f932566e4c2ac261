/// One service code of the taxonomy: what it is called, how to recognise it, who handles it and how fast.
public struct ServiceDefinition: Sendable, Equatable, Decodable {
    /// The service code (`CFC-PLAY`, `ROAD`, …), Open311's `service_code`.
    public var code: String
    /// The group code (`child-friendly` or `general`).
    public var group: String
    /// The name in Persian and English.
    public var name: LocalizedText
    /// The description in Persian and English.
    public var description: LocalizedText
    /// Words that point at this code, as people type them.
    public var keywords: [String]
    /// Multi-word expressions that decide this code on their own.
    public var phrases: [String]
    /// The unit responsible by default.
    public var unit: String
    /// Hours to resolve, per priority.
    public var deadlineHours: DeadlineHours
    /// The Open311 service definition's attributes (may be empty).
    public var attributes: [ServiceAttribute]
    /// How near (metres) an open report of this code must be to count as the same hazard
    /// (`duplicate_radius_m`; absent: ``Taxonomy/defaultDuplicateRadiusMetres``).
    public var duplicateRadiusMetres: Double?

    /// The radius the nearby search and the duplicate matcher use for this code.
    public var nearbyRadiusMetres: Double { duplicateRadiusMetres ?? Taxonomy.defaultDuplicateRadiusMetres }

    /// Whether the code belongs to the child-friendly city group.
    public var isChildFriendly: Bool { group == Taxonomy.childFriendlyGroup }

    /// The attribute with this code, if the service defines one.
    public func attribute(_ code: String) -> ServiceAttribute? {
        attributes.first { $0.code == code }
    }

    enum CodingKeys: String, CodingKey {
        case code, group, name, description, keywords, phrases, unit, attributes
        case deadlineHours = "deadline_hours"
        case duplicateRadiusMetres = "duplicate_radius_m"
    }
}
