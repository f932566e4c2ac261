extension EnvironmentConfig {
    /// A required PostgreSQL URL (`postgres://user:password@host:port/database?sslmode=…`), parsed. Without
    /// `sslmode`, TLS is disabled for a loopback host and preferred otherwise. A missing or malformed value
    /// records a problem (never echoing the value) and returns a placeholder.
    public mutating func databaseURL(_ key: String = "DATABASE_URL") -> DatabaseURL {
        guard let value = raw(key) else {
            record(key, .missing, DatabaseURL.expectation)
            return Self.placeholderDatabaseURL
        }
        guard let url = DatabaseURL(value) else {
            record(key, .malformed, DatabaseURL.expectation)
            return Self.placeholderDatabaseURL
        }
        return url
    }

    /// Returned in place of a bad `DATABASE_URL`; never used once `validate()` has passed.
    private static var placeholderDatabaseURL: DatabaseURL {
        DatabaseURL("postgres://invalid@invalid.invalid:5432/invalid?sslmode=disable")!
    }
}
