import Events

/// A webhook subscription as an operator asks for it (`open137 webhooks add`, `NOTIFIER_WEBHOOKS`).
public struct WebhookSubscriptionRequest: Sendable, Hashable {
    /// Where events are POSTed (http or https).
    public var url: String
    /// Topic patterns of the event types wanted (`report.*`, `report.#`, `report.escalated`).
    public var events: [String]
    /// The shared secret the signature is made with.
    public var secret: String

    /// Creates a request; nil when the URL is not http(s), there are no patterns or the secret is empty.
    public init?(url: String, events: [String], secret: String) {
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.count > 8,
              !events.isEmpty, events.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }), !secret.isEmpty
        else { return nil }
        self.url = url
        self.events = events
        self.secret = secret
    }

    /// Parses `NOTIFIER_WEBHOOKS`: a JSON list of objects with `url`, `events` (a list or one pattern) and `secret`.
    public static func parseList(_ text: String) -> [WebhookSubscriptionRequest]? {
        guard case .array(let items)? = try? JSONValue.parse(Array(text.utf8)) else { return nil }
        var result: [WebhookSubscriptionRequest] = []
        for item in items {
            guard case .object(let members) = item,
                  case .string(let url)? = members["url"], case .string(let secret)? = members["secret"]
            else { return nil }
            let events: [String]
            switch members["events"] {
            case .string(let one)?: events = [one]
            case .array(let many)?:
                events = many.compactMap { if case .string(let pattern) = $0 { pattern } else { nil } }
                guard events.count == many.count else { return nil }
            default: return nil
            }
            guard let request = WebhookSubscriptionRequest(url: url, events: events, secret: secret) else { return nil }
            result.append(request)
        }
        return result
    }
}
