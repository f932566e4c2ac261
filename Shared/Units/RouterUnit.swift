import Taxonomy

/// One unit (department) of the units file: who it is, how operators reach its desk, and which service
/// codes it handles.
public struct RouterUnit: Sendable, Equatable, Decodable {
    /// The unit's code (`parks`); its queue is `unit.<code>`.
    public var code: String
    /// The name in Persian and English.
    public var name: LocalizedText
    /// The desk's internal address.
    public var contact: String
    /// The taxonomy codes it handles.
    public var serviceCodes: [String]

    /// Creates a unit.
    public init(code: String, name: LocalizedText, contact: String, serviceCodes: [String]) {
        self.code = code
        self.name = name
        self.contact = contact
        self.serviceCodes = serviceCodes
    }

    enum CodingKeys: String, CodingKey {
        case code, name, contact, serviceCodes = "service_codes"
    }
}
