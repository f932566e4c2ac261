/// A service's own connection URLs after provisioning, with the passwords set now (kept nowhere else:
/// they go to the env file the service is started from).
public struct ServiceCredentials: Sendable, Equatable {
    /// The service.
    public var identity: ServiceIdentity
    /// `postgres://open137_<schema>:…@host:port/database`, the administrator's URL with the service's role.
    public var databaseURL: String
    /// `amqp://open137-<service>:…@host:port/vhost`, the administrator's URL with the service's user; nil for
    /// a service without a broker user (the desk).
    public var amqpURL: String?

    /// Creates credentials.
    public init(identity: ServiceIdentity, databaseURL: String, amqpURL: String?) {
        self.identity = identity
        self.databaseURL = databaseURL
        self.amqpURL = amqpURL
    }

    /// `<PREFIX>_DATABASE_URL=…` and (with a broker user) `<PREFIX>_AMQP_URL=…`, lines of an env file.
    public var environmentLines: String {
        "\(identity.environmentPrefix)_DATABASE_URL=\(databaseURL)\n" + (amqpURL.map { "\(identity.environmentPrefix)_AMQP_URL=\($0)\n" } ?? "")
    }
}
