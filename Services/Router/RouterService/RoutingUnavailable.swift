/// The router is shutting down and takes no more reports into a batch; the delivery is retried later.
struct RoutingUnavailable: Error, Sendable, CustomStringConvertible {
    /// Machine-readable code.
    var code: String { "shutting-down" }

    var description: String { "\(code): the router is stopping" }
}
