extension JSONValue {
    /// An optional string member as `Decodable` reads it: `.some(nil)` for an absent or null member,
    /// `.some(text)` for a string, nil (not decodable) for anything else.
    public static func optionalString(_ value: JSONValue?) -> String?? {
        switch value {
        case nil, .null?: return .some(nil)
        case .string(let text)?: return .some(text)
        default: return nil
        }
    }

    /// As ``optionalString(_:)`` for numbers.
    public static func optionalNumber(_ value: JSONValue?) -> Double?? {
        switch value {
        case nil, .null?: return .some(nil)
        case .number(let number)?: return .some(number)
        default: return nil
        }
    }

    /// As ``optionalString(_:)`` for booleans.
    public static func optionalBool(_ value: JSONValue?) -> Bool?? {
        switch value {
        case nil, .null?: return .some(nil)
        case .bool(let flag)?: return .some(flag)
        default: return nil
        }
    }
}
