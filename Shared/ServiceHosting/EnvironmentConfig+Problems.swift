extension EnvironmentConfig {
    /// Records that `key` is present but unusable, for checks a service makes beyond the typed readers
    /// (a key too short, two settings that contradict each other).
    public mutating func problem(_ key: String, expected: String) {
        record(key, .malformed, expected)
    }

    /// A required API key (the Bearer key of an HTTP API); too short a key is a problem, named by key only.
    public mutating func apiKey(_ key: String, minimumLength: Int = 16) -> String {
        let expected = "an API key of at least \(minimumLength) characters"
        let value = required(key, expected: expected)
        if !value.isEmpty && value.count < minimumLength {
            problem(key, expected: expected)
        }
        return value
    }
}
