extension JSONValue {
    /// Parses UTF-8 JSON bytes.
    public static func parse(_ bytes: [UInt8]) throws(JSONParsingError) -> JSONValue {
        try JSONParser.parse(bytes)
    }
}
