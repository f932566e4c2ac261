/// A report could not be routed now (the router is stopping, or its batch came back incomplete); the
/// delivery is retried later.
struct RoutingUnavailable: Error, Sendable, CustomStringConvertible {
    /// Machine-readable code.
    var code = "shutting-down"
    /// What happened.
    var message = "the router is stopping"

    var description: String { "\(code): \(message)" }
}
