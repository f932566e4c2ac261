/// A group of service codes (Open311 `group`): the child-friendly city code or the general city services.
public struct ServiceGroupDefinition: Sendable, Equatable, Decodable {
    /// The group's code.
    public var code: String
    /// Its name in Persian and English.
    public var name: LocalizedText
}
