/// One way an instance fails its JSON Schema, located by JSON Pointers into the instance and the schema.
public struct SchemaValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// JSON Pointer (RFC 6901) to the failing value in the instance; "" is the whole instance.
    public var instancePath: String
    /// Where the failing keyword is: a JSON Pointer into the schema document, prefixed with
    /// `file.json#` when a `$ref` led into another file.
    public var schemaPath: String
    /// The keyword that failed (`required`, `type`, `pattern`, `const`, `additionalProperties`, …), or
    /// `json` when the body is not JSON, `$ref` when a reference does not resolve, `message` when the
    /// AsyncAPI document has no such message.
    public var keyword: String
    /// What is wrong, in words.
    public var message: String

    /// Creates an error.
    public init(instancePath: String, schemaPath: String, keyword: String, message: String) {
        self.instancePath = instancePath
        self.schemaPath = schemaPath
        self.keyword = keyword
        self.message = message
    }

    /// `<instance path>: <message> [<keyword> at <schema path>]`.
    public var description: String {
        "\(instancePath.isEmpty ? "/" : instancePath): \(message) [\(keyword) at \(schemaPath.isEmpty ? "#" : schemaPath)]"
    }
}
