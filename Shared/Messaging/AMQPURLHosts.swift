/// The host list of an AMQP URL, split off so that the rest can be read as a one-host URL.
///
/// `amqp://user:password@h1:5672,h2:5673,h3/vhost?heartbeat=10` names the nodes of one cluster; Foundation's
/// `URLComponents` reads no such URL, so the list is taken out here and the URL with only its first host
/// (`firstHostURL`) is what everything else parses — the user, password, vhost and query are the same for
/// every node. A URL with one host comes back unchanged.
public struct AMQPURLHosts: Sendable, Hashable {
    /// Every address, in the order the URL gives them (at least one).
    public let endpoints: [AMQPEndpoint]
    /// The URL with only the first address (as written) in place of the list.
    public let firstHostURL: String
    /// The URL up to and including the `@` of its user information (or `scheme://` without one).
    private let prefix: String
    /// The host list as written.
    private let hostList: String

    /// Splits `url` (`scheme://[userinfo@]host[:port][,host[:port]]…[/path][?query]`); nil when it has no
    /// `scheme://`, names no host, or an address in the list is malformed (empty, a bad port).
    public init?(_ url: String) {
        guard let schemeEnd = url.range(of: "://"), !url[..<schemeEnd.lowerBound].isEmpty else { return nil }
        let authorityStart = schemeEnd.upperBound
        let authorityEnd = url[authorityStart...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? url.endIndex
        let authority = url[authorityStart..<authorityEnd]
        let hostsStart = authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authorityStart
        let hosts = url[hostsStart..<authorityEnd]
        var endpoints: [AMQPEndpoint] = []
        for item in hosts.split(separator: ",", omittingEmptySubsequences: false) {
            guard let endpoint = AMQPEndpoint.parse(item) else { return nil }
            endpoints.append(endpoint)
        }
        guard let first = hosts.split(separator: ",", omittingEmptySubsequences: false).first, !endpoints.isEmpty else { return nil }
        let prefix = String(url[..<hostsStart])
        self.endpoints = endpoints
        self.prefix = prefix
        self.hostList = String(hosts)
        self.firstHostURL = prefix + first + url[authorityEnd...]
    }

    /// `url` — a one-host URL derived from `firstHostURL` (e.g. with other credentials) — with this host
    /// list in place of its host; `url` itself when this list has one address or `url` is not a URL.
    public func puttingHostList(into url: String) -> String {
        guard endpoints.count > 1, let single = AMQPURLHosts(url), single.endpoints.count == 1 else { return url }
        return single.prefix + hostList + url.dropFirst(single.prefix.count + single.hostList.count)
    }
}
