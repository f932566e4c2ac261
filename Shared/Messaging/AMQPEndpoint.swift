/// One broker address (`host:port`) of an AMQP URL. A URL names one or several, comma-separated
/// (`amqp://user:password@h1:5672,h2:5673/vhost`): the nodes of one RabbitMQ cluster.
public struct AMQPEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// Host name or IP address (an IPv6 address without its brackets).
    public var host: String
    /// TCP port.
    public var port: Int

    /// An address; `port` defaults to AMQP's 5672.
    public init(host: String, port: Int = 5672) {
        self.host = host
        self.port = port
    }

    /// `host:port`, with brackets around an IPv6 address: the form the URL uses, safe to log.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Parses one `host[:port]` item of a URL's host list (`[v6]:port` too); nil if it is malformed.
    static func parse(_ text: Substring) -> AMQPEndpoint? {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = text
        }
        guard !host.isEmpty, !host.contains(where: { $0 == "@" || $0 == "/" || $0 == " " || (!text.hasPrefix("[") && $0 == ":") }) else {
            return nil
        }
        var port = 5672
        if let portText {
            guard !portText.isEmpty, portText.allSatisfy(\.isASCII), let value = Int(portText), (1...65_535).contains(value) else {
                return nil
            }
            port = value
        }
        return AMQPEndpoint(host: String(host), port: port)
    }
}
