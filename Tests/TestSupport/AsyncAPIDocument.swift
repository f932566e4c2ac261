import JSON

/// The AMQP contract, `contracts/asyncapi.yaml`, loaded for tests: finds the message of an event and
/// validates message bodies against its payload schema.
///
/// ```swift
/// let contract = try AsyncAPIDocument.loadContract()
/// #expect(contract.validate(eventBody: delivery.body).isEmpty)          // message chosen by the body's `type`
/// #expect(contract.validate(eventBody: body, eventType: EventType.reportReceived).isEmpty)
/// ```
public struct AsyncAPIDocument: Sendable {
    /// Where the contract lives in the repository.
    public static let contractPath = "contracts/asyncapi.yaml"

    /// The whole document.
    public let root: JSONValue
    /// Validates against the document's schemas (`#/components/schemas/…` resolve in it).
    public let validator: JSONSchemaValidator

    /// Wraps a parsed document.
    public init(root: JSONValue, path: String? = nil) {
        self.root = root
        self.validator = JSONSchemaValidator(document: root, documentPath: path)
    }

    /// Loads an AsyncAPI document (YAML or JSON).
    public static func load(from path: String) throws(DocumentLoadingError) -> AsyncAPIDocument {
        AsyncAPIDocument(root: try JSONDocuments.load(from: path), path: path)
    }

    /// Loads the repository's contract, found from the calling test file.
    public static func loadContract(from filePath: String = #filePath) throws(DocumentLoadingError) -> AsyncAPIDocument {
        try load(from: RepositoryFiles.path(contractPath, from: filePath))
    }

    /// `components.messages`, by key.
    public var messages: [String: JSONValue] {
        root.value(at: "/components/messages")?.objectValue ?? [:]
    }

    /// `channels`, by channel name.
    public var channels: [String: JSONValue] {
        root.value(at: "/channels")?.objectValue ?? [:]
    }

    /// The key in `components.messages` of the message called `name`: its key, its `name` or its
    /// `messageId`.
    public func messageKey(named name: String) -> String? {
        if messages[name] != nil { return name }
        return messages.keys.sorted().first { key in
            messages[key]?["name"]?.stringValue == name || messages[key]?["messageId"]?.stringValue == name
        }
    }

    /// The key of the message that carries events of `type`: the one whose AMQP message binding
    /// (`bindings.amqp.messageType`) is that type.
    public func messageKey(forEventType type: String) -> String? {
        messages.keys.sorted().first { key in
            messages[key]?.value(at: "/bindings/amqp/messageType")?.stringValue == type
        }
    }

    /// Validates a body against the payload schema of the message called `messageName`.
    public func validate(eventBody: [UInt8], messageName: String) -> [SchemaValidationError] {
        guard let key = messageKey(named: messageName) else {
            return [SchemaValidationError(instancePath: "", schemaPath: "/components/messages", keyword: "message", message: "the contract has no message \(messageName)")]
        }
        return validator.validate(json: eventBody, at: "/components/messages/" + JSONPointer.escape(key) + "/payload")
    }

    /// Validates a body against the payload schema of the message for event type `eventType`.
    public func validate(eventBody: [UInt8], eventType: String) -> [SchemaValidationError] {
        guard let key = messageKey(forEventType: eventType) else {
            return [SchemaValidationError(instancePath: "", schemaPath: "/components/messages", keyword: "message", message: "the contract has no message for event type \(eventType)")]
        }
        return validate(eventBody: eventBody, messageName: key)
    }

    /// Validates a body against the message for the event type the body itself names (`type`); a body
    /// without a string `type`, or of a type the contract does not know, is an error.
    public func validate(eventBody: [UInt8]) -> [SchemaValidationError] {
        guard let instance = try? JSONDocuments.parse(json: eventBody) else {
            return [SchemaValidationError(instancePath: "", schemaPath: "", keyword: "json", message: "not JSON")]
        }
        guard let type = instance["type"]?.stringValue else {
            return [SchemaValidationError(instancePath: "/type", schemaPath: "", keyword: "message", message: "the body names no event type")]
        }
        return validate(eventBody: eventBody, eventType: type)
    }

    /// Validates a value against a named schema of `components.schemas` (e.g. `CloudEventEnvelope`).
    public func validate(_ instance: JSONValue, schemaNamed name: String) -> [SchemaValidationError] {
        validator.validate(instance, at: "/components/schemas/" + JSONPointer.escape(name))
    }
}
