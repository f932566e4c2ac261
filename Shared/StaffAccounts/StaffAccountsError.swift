/// A failure of the staff accounts store: a code for programs, a message for people; never a password,
/// token or hash.
public struct StaffAccountsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable {
        /// The username is not 2–64 of `a-z 0-9 . _ -`.
        case invalidUsername = "invalid-username"
        /// The password is shorter than `StaffDirectory.minimumPasswordLength` or longer than bcrypt takes.
        case weakPassword = "weak-password"
        /// A role is not `operator`, `council`, `admin` or `unit:<code>`, or none was given.
        case invalidRole = "invalid-role"
        /// The display name is empty or too long.
        case invalidDisplayName = "invalid-display-name"
        /// An account with this username exists.
        case usernameTaken = "username-taken"
        /// No account has this username.
        case unknownAccount = "unknown-account"
        /// The database did not answer or refused.
        case databaseUnavailable = "database-unavailable"
    }

    /// What went wrong.
    public var code: Code
    /// For people.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
