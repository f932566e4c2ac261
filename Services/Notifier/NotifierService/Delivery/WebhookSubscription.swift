/// A stored webhook subscription.
public struct WebhookSubscription: Sendable, Hashable {
    /// Its row id (part of each notification's recipient identity).
    public var id: Int64
    /// Where events are POSTed.
    public var url: String
    /// Topic patterns of the wanted event types.
    public var events: [String]
    /// The signing secret.
    public var secret: String

    /// Creates a subscription.
    public init(id: Int64, url: String, events: [String], secret: String) {
        self.id = id
        self.url = url
        self.events = events
        self.secret = secret
    }

    /// Whether an event of `type` is wanted: AMQP topic rules over dot-separated words (`*` one word,
    /// `#` zero or more), as operators already write them for the broker's bindings.
    public func wants(_ type: String) -> Bool {
        events.contains { Self.matches(pattern: $0, type: type) }
    }

    /// Whether `type` matches the topic `pattern`.
    public static func matches(pattern: String, type: String) -> Bool {
        func match(_ p: ArraySlice<Substring>, _ t: ArraySlice<Substring>) -> Bool {
            guard let head = p.first else { return t.isEmpty }
            if head == "#" {
                return (0...t.count).contains { match(p.dropFirst(), t.dropFirst($0)) }
            }
            guard let word = t.first, head == "*" || head == word else { return false }
            return match(p.dropFirst(), t.dropFirst())
        }
        return match(ArraySlice(pattern.split(separator: ".", omittingEmptySubsequences: false)),
                     ArraySlice(type.split(separator: ".", omittingEmptySubsequences: false)))
    }
}
