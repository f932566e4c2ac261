/// What a sign-in attempt came to.
public enum SignInOutcome: Sendable {
    /// Signed in: the cookie gets `token`, which is stored only as a hash.
    case signedIn(StaffSession, token: String)
    /// Wrong name or password, or a disabled account — one answer for all, so it tells a guesser nothing.
    case refused
    /// Too many wrong passwords: no password is checked until the lock ends (seconds from now).
    case locked(retryAfterSeconds: Int)
}
