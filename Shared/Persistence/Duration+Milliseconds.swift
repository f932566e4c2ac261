extension Duration {
    /// The duration in whole milliseconds, for binding as a SQL number.
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
