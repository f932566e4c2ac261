/// How long wrong passwords lock an account: the first few are free (people mistype), then each further
/// one locks it for twice as long as the one before, up to a ceiling — a guesser gets a handful of
/// tries an hour, a person who forgot waits a minute and asks an admin.
public enum SignInThrottle {
    /// Wrong passwords in a row allowed before the first lock.
    public static let freeAttempts = 4
    /// The first lock, in seconds.
    public static let firstLockSeconds = 15
    /// The longest lock, in seconds.
    public static let maximumLockSeconds = 15 * 60

    /// Seconds the account is locked after `failures` wrong passwords in a row (0: not locked).
    public static func lockSeconds(afterFailures failures: Int) -> Int {
        guard failures > freeAttempts else { return 0 }
        let doublings = min(failures - freeAttempts - 1, 16)
        return min(firstLockSeconds << doublings, maximumLockSeconds)
    }
}
