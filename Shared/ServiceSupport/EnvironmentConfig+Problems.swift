extension EnvironmentConfig {
    /// Records that `key` is present but unusable, for checks a service makes beyond the typed readers
    /// (a key too short, two settings that contradict each other).
    public mutating func problem(_ key: String, expected: String) {
        record(key, .malformed, expected)
    }
}
