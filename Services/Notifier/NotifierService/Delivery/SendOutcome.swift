/// What one attempt to send came to.
public enum SendOutcome: Sendable, Hashable {
    /// Accepted; the gateway's id when it gave one.
    case sent(gatewayID: String?)
    /// A timeout, a refused connection, a 5xx (or SMTP 4xx): try again later.
    case retry(reason: String)
    /// A 4xx (or SMTP 5xx): trying again cannot help; the reason says why.
    case permanent(reason: String)
}
