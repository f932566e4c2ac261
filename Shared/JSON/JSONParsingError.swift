/// Why a body is not JSON, and where (a byte offset; never the content, which may be personal data).
public struct JSONParsingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The byte offset where parsing failed.
    public var offset: Int
    /// What was wrong.
    public var message: String

    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}
