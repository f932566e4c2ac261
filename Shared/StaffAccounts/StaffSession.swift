/// A signed-in staff member: the account and the session's CSRF token (every staff form must carry it).
public struct StaffSession: Sendable, Hashable {
    /// Who is signed in.
    public var account: StaffAccount
    /// The token each form of this session carries in `_csrf`.
    public var csrfToken: String

    /// Creates a session value.
    public init(account: StaffAccount, csrfToken: String) {
        self.account = account
        self.csrfToken = csrfToken
    }
}
