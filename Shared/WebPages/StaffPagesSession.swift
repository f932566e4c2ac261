import StaffAccounts

/// A staff member signed in on a page: the session and the page's language.
public struct StaffPagesSession: Sendable {
    /// The session (account, CSRF token).
    public var session: StaffSession
    /// The page's language.
    public var language: PageLanguage

    /// Creates the value.
    public init(session: StaffSession, language: PageLanguage) {
        self.session = session
        self.language = language
    }
}
