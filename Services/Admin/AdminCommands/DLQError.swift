import JSON

/// Why an `open137 dlq` command did not do its work: a machine-readable code, a message, and the exit
/// status — 2 for a wrong invocation (unknown queue, purge without `--yes`, no `AMQP_URL`), 1 for a
/// failure on the broker.
public struct DLQError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Machine-readable reason (`unknown-queue`, `confirmation-required`, `configuration`, `broker`).
    public var code: String
    /// What happened (no message bodies, no credentials).
    public var message: String
    /// The valid queue names, for `unknown-queue`.
    public var validQueues: [String]
    /// The process exit status.
    public var exitStatus: Int32

    /// An error.
    public init(code: String, message: String, validQueues: [String] = [], exitStatus: Int32) {
        self.code = code
        self.message = message
        self.validQueues = validQueues
        self.exitStatus = exitStatus
    }

    /// A queue name that is not one of `queues`.
    public static func unknownQueue(_ name: String, queues: [DeadLetterQueue]) -> DLQError {
        DLQError(code: "unknown-queue", message: "'\(name)' is not a dead-letter queue", validQueues: queues.map(\.name), exitStatus: 2)
    }

    /// The error as one line of JSON, for standard error.
    public var json: String {
        var members: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if !validQueues.isEmpty { members["valid_queues"] = .array(validQueues.map { .string($0) }) }
        var text = JSONText()
        text.value(.object(["error": .object(members)]))
        return text.text
    }

    public var description: String { json }
}
