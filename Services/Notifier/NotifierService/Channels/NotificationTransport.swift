/// Sends one notification over one channel and says how it went; never throws (every failure is an outcome).
public protocol NotificationTransport: Sendable {
    /// One attempt.
    func send(_ notification: ClaimedNotification) async -> SendOutcome
}
