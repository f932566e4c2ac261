/// A service's own configuration keys beyond `ServiceConfiguration`'s common ones.
///
/// Read every key unconditionally through the `EnvironmentConfig` accessors (no early return), so
/// problems are collected for all of them and `ServiceConfiguration.keys(with:)` can list them.
public protocol ServiceSettings: Sendable {
    /// Reads this service's keys, recording problems in `environment`.
    init(reading environment: inout EnvironmentConfig)
}

/// The settings of a service that reads no keys beyond the common ones.
public struct NoServiceSettings: ServiceSettings {
    /// Reads nothing.
    public init(reading environment: inout EnvironmentConfig) {}
}
