/// The outcome of one readiness check (is the broker reachable, is the database reachable…).
public enum ReadinessResult: Sendable, Hashable, CustomStringConvertible {
    /// The dependency is usable.
    case up
    /// The dependency is not usable; the reason is shown on `/ready` (redacted, so it carries no
    /// credentials or personal data).
    case down(String)

    /// Whether the check passed.
    public var isUp: Bool {
        if case .up = self { return true }
        return false
    }

    /// `ok`, or `down: <reason>`, as shown on `/ready`.
    public var description: String {
        switch self {
        case .up: "ok"
        case .down(let reason): "down: \(Redaction.redact(reason))"
        }
    }
}

/// A named readiness check: must return within the ops server's readiness timeout or honour task
/// cancellation (it is cancelled and reported as down when the timeout passes).
public typealias ReadinessCheck = @Sendable () async -> ReadinessResult
