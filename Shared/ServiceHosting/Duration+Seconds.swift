extension Duration {
    /// The duration in seconds as a floating-point number (for printing: the tools' reports, the ops
    /// server's readiness timeouts).
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
