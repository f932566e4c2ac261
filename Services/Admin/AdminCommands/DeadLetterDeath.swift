import Messaging

/// One entry of the broker's `x-death` header: a queue the message died in, why, and where it had
/// been published before it got there.
public struct DeadLetterDeath: Sendable, Hashable {
    /// The queue it was dead-lettered from.
    public var queue: String
    /// `rejected`, `expired`, `maxlen` or `delivery_limit`.
    public var reason: String
    /// How many times it died there this way.
    public var count: Int64
    /// The exchange it had been published to.
    public var exchange: String
    /// The routing keys it had been published with.
    public var routingKeys: [String]
    /// When it (last) died there, in seconds since 1970, when the broker said.
    public var time: Int64?

    /// The entries of `headers["x-death"]`, newest first as the broker keeps them; empty when there is none.
    public static func entries(in headers: [String: AMQPFieldValue]) -> [DeadLetterDeath] {
        guard case .array(let values)? = headers["x-death"] else { return [] }
        return values.compactMap { value in
            guard case .table(let table) = value else { return nil }
            var keys: [String] = []
            if case .array(let values)? = table["routing-keys"] { keys = values.compactMap(\.stringValue) }
            return DeadLetterDeath(
                queue: table["queue"]?.stringValue ?? "", reason: table["reason"]?.stringValue ?? "",
                count: table["count"]?.intValue ?? 0, exchange: table["exchange"]?.stringValue ?? "",
                routingKeys: keys, time: table["time"]?.intValue)
        }
    }
}
