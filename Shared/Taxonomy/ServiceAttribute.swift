/// An Open311 service-definition attribute: an extra field a report of this code may carry.
public struct ServiceAttribute: Sendable, Equatable, Decodable {
    /// The attribute's code (the key in a report's `attributes`).
    public var code: String
    /// Open311 datatype: `string`, `number`, `datetime`, `text`, `singlevaluelist` or `multivaluelist`.
    public var datatype: Datatype
    /// Whether a report must carry it.
    public var required: Bool
    /// The position in forms.
    public var order: Int
    /// What to ask, in Persian and English.
    public var description: LocalizedText
    /// The allowed values of a list attribute.
    public var values: [Value]

    /// Open311's attribute datatypes.
    public enum Datatype: String, Sendable, Equatable, Decodable {
        case string, number, datetime, text, singlevaluelist, multivaluelist
    }

    /// One allowed value of a list attribute.
    public struct Value: Sendable, Equatable, Decodable {
        /// The value a report sends.
        public var key: String
        /// Its name in Persian and English.
        public var name: LocalizedText
    }

    enum CodingKeys: String, CodingKey {
        case code, datatype, required, order, description, values
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(String.self, forKey: .code)
        datatype = try container.decode(Datatype.self, forKey: .datatype)
        required = try container.decodeIfPresent(Bool.self, forKey: .required) ?? false
        order = try container.decodeIfPresent(Int.self, forKey: .order) ?? 0
        description = try container.decode(LocalizedText.self, forKey: .description)
        values = try container.decodeIfPresent([Value].self, forKey: .values) ?? []
    }
}
