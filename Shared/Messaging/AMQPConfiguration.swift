import Foundation

/// Where and how to connect to RabbitMQ, parsed from an `amqp://user:password@host:port/vhost` URL.
public struct AMQPConfiguration: Sendable, Hashable {
    /// Broker host.
    public var host: String
    /// Broker port.
    public var port: Int
    /// Login user.
    public var user: String
    /// Login password; never logged.
    public var password: String
    /// Virtual host.
    public var vhost: String
    /// Heartbeat interval in seconds (0 turns heartbeats off).
    public var heartbeatSeconds: Int
    /// TCP connect and login timeout.
    public var connectTimeout: Duration
    /// Name shown in the management UI for connections made with this configuration.
    public var connectionName: String
    /// First delay before reconnecting; doubles up to `maximumReconnectDelay`.
    public var initialReconnectDelay: Duration
    /// Longest delay between reconnect attempts.
    public var maximumReconnectDelay: Duration

    /// Parses an AMQP URL; `?heartbeat=N` and `?connection_timeout=S` are honoured.
    public init(url: String, connectionName: String = "open137") throws(AMQPError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme, scheme == "amqp" else {
            throw AMQPError(.invalidURL, "AMQP URL must look like amqp://user:password@host:port/vhost")
        }
        guard let host = components.host, !host.isEmpty else {
            throw AMQPError(.invalidURL, "AMQP URL has no host")
        }
        self.host = host
        self.port = components.port ?? 5672
        self.user = components.user.flatMap { $0.removingPercentEncoding } ?? "guest"
        self.password = components.password.flatMap { $0.removingPercentEncoding } ?? "guest"
        let path = components.percentEncodedPath
        if path.isEmpty || path == "/" {
            self.vhost = "/"
        } else {
            self.vhost = String(path.dropFirst()).removingPercentEncoding ?? "/"
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        self.heartbeatSeconds = query["heartbeat"].flatMap(Int.init) ?? 10
        self.connectTimeout = .seconds(query["connection_timeout"].flatMap(Int.init) ?? 5)
        self.connectionName = connectionName
        self.initialReconnectDelay = .milliseconds(100)
        self.maximumReconnectDelay = .seconds(5)
    }

    /// The URL without the password, for logs.
    public var redactedURL: String {
        let vhostPart = vhost == "/" ? "" : vhost.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? ""
        return "amqp://\(user):***@\(host):\(port)/\(vhostPart)"
    }
}
