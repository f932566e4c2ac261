/// The one error type of the persistence layer: migrations, the outbox, its relay and the inbox.
///
/// `message` never contains event bodies, personal data or credentials; the underlying database error, when
/// there is one, is summarised (its SQLSTATE and the names of the table and constraint; the server's message
/// only for a failed migration), not embedded.
public struct PersistenceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, in a form callers can switch on.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case invalidMigration, migrationFailed, checksumMismatch, databaseUnavailable, queryFailed
            case invalidIdentifier, encodingFailed, outcomeUnknown
        }
        fileprivate let base: Base
        /// A migration file or list is malformed: bad file name, duplicate version, unreadable directory.
        public static let invalidMigration = Code(base: .invalidMigration)
        /// A migration's SQL failed; its transaction was rolled back and nothing of it was recorded.
        public static let migrationFailed = Code(base: .migrationFailed)
        /// An applied migration's text differs from the one recorded when it was applied.
        public static let checksumMismatch = Code(base: .checksumMismatch)
        /// The database could not be reached, or the connection broke.
        public static let databaseUnavailable = Code(base: .databaseUnavailable)
        /// A statement of the outbox, relay or inbox failed.
        public static let queryFailed = Code(base: .queryFailed)
        /// A schema or channel name is not a plain lower-case SQL identifier.
        public static let invalidIdentifier = Code(base: .invalidIdentifier)
        /// An event or message could not be encoded for storage.
        public static let encodingFailed = Code(base: .encodingFailed)
        /// COMMIT was sent but its answer never came (the connection broke, or the deadline passed): the
        /// transaction may or may not have committed. Never report this as "nothing stored"; a caller
        /// retries with the same idempotency key or event id, which makes the second try find the first.
        public static let outcomeUnknown = Code(base: .outcomeUnknown)
        /// The code's name, e.g. `checksumMismatch`.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// Human-readable detail without personal data.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `PersistenceError(code): message`.
    public var description: String { "PersistenceError(\(code)): \(message)" }
}
