/// Why the desk's store could not do what it was asked.
struct DeskStoreError: Error, Sendable, CustomStringConvertible {
    /// Machine-readable.
    enum Code: String, Sendable {
        /// A message that parsed but cannot be stored (a delivery without a usable report id or deadline).
        case unreadable
        /// A stored row that does not decode.
        case corruptRow = "corrupt-row"
    }

    /// What went wrong.
    var code: Code
    /// In words (ids and statuses only).
    var message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    var description: String { "\(code.rawValue): \(message)" }
}
