import Foundation

/// Where and how to connect to RabbitMQ, parsed from an `amqp://user:password@host:port/vhost` URL — or,
/// for the nodes of a cluster, `amqp://user:password@h1:p1,h2:p2,h3:p3/vhost`: the connection uses one
/// address at a time and moves to the next when its node goes away (`EndpointRotation`).
public struct AMQPConfiguration: Sendable, Hashable {
    /// The broker addresses, in the URL's order (at least one).
    public var endpoints: [AMQPEndpoint]
    /// The first address's host; setting it replaces the first address's host.
    public var host: String {
        get { endpoints[0].host }
        set { endpoints[0].host = newValue }
    }
    /// The first address's port; setting it replaces the first address's port.
    public var port: Int {
        get { endpoints[0].port }
        set { endpoints[0].port = newValue }
    }
    /// Login user.
    public var user: String
    /// Login password; never logged.
    public var password: String
    /// Virtual host.
    public var vhost: String
    /// Heartbeat interval in seconds (0 turns heartbeats off).
    public var heartbeatSeconds: Int
    /// TCP connect timeout, and the limit for the AMQP login handshake: a server that accepts TCP but never
    /// speaks AMQP fails the attempt (and the loop retries) instead of holding the connection thread.
    public var connectTimeout: Duration
    /// `TCP_USER_TIMEOUT` on the socket: sent data the peer has not acknowledged (or a zero window it never
    /// reopens) for this long kills the connection. rabbitmq-c writes with no deadline of its own, so this
    /// is what bounds a publish or ack on a full socket to a half-open peer. Default: twice the heartbeat,
    /// at least 10 s (`?socket_timeout=S`).
    public var socketTimeout: Duration
    /// Limit for each RPC (declares, binds, `basic.qos`, `confirm.select`, `basic.consume`, `basic.get`,
    /// closes): past it the RPC fails and the connection is replaced. Default 30 s (`?rpc_timeout=S`).
    public var rpcTimeout: Duration
    /// Name shown in the management UI for connections made with this configuration.
    public var connectionName: String
    /// First delay before reconnecting; doubles up to `maximumReconnectDelay`.
    public var initialReconnectDelay: Duration
    /// Longest delay between reconnect attempts.
    public var maximumReconnectDelay: Duration

    /// Parses an AMQP URL (one address, or several separated by commas); `?heartbeat=N`, `?connection_timeout=S`, `?socket_timeout=S` and `?rpc_timeout=S`
    /// (whole seconds; heartbeat ≥ 0, the timeouts ≥ 1) are honoured, anything else in them is refused.
    public init(url: String, connectionName: String = "open137") throws(AMQPError) {
        guard let hosts = AMQPURLHosts(url) else {
            throw AMQPError(.invalidURL, "AMQP URL must look like amqp://user:password@host:port/vhost (or host1:port1,host2:port2 for a cluster)")
        }
        guard let components = URLComponents(string: hosts.firstHostURL), let scheme = components.scheme, scheme == "amqp" else {
            throw AMQPError(.invalidURL, "AMQP URL must look like amqp://user:password@host:port/vhost")
        }
        guard components.host?.isEmpty == false else {
            throw AMQPError(.invalidURL, "AMQP URL has no host")
        }
        self.endpoints = hosts.endpoints
        self.user = components.user.flatMap { $0.removingPercentEncoding } ?? "guest"
        self.password = components.password.flatMap { $0.removingPercentEncoding } ?? "guest"
        let path = components.percentEncodedPath
        if path.isEmpty || path == "/" {
            self.vhost = "/"
        } else {
            self.vhost = String(path.dropFirst()).removingPercentEncoding ?? "/"
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        func seconds(_ name: String, minimum: Int) throws(AMQPError) -> Int? {
            guard let text = query[name] else { return nil }
            guard let value = Int(text), value >= minimum, value <= 86_400 else {
                throw AMQPError(.invalidURL, "AMQP URL parameter \(name) must be whole seconds from \(minimum) to 86400")
            }
            return value
        }
        self.heartbeatSeconds = try seconds("heartbeat", minimum: 0) ?? 10
        self.connectTimeout = .seconds(try seconds("connection_timeout", minimum: 1) ?? 5)
        self.socketTimeout = .seconds(try seconds("socket_timeout", minimum: 1) ?? max(2 * heartbeatSeconds, 10))
        self.rpcTimeout = .seconds(try seconds("rpc_timeout", minimum: 1) ?? 30)
        self.connectionName = connectionName
        self.initialReconnectDelay = .milliseconds(100)
        self.maximumReconnectDelay = .seconds(5)
    }

    /// The URL without the password, for logs (every address).
    public var redactedURL: String {
        let vhostPart = vhost == "/" ? "" : vhost.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? ""
        return "amqp://\(user):***@\(endpoints.map(\.description).joined(separator: ","))/\(vhostPart)"
    }
}
