import Foundation
import JSON

/// A webhook subscription as an operator asks for it (`open137 webhooks add`, `NOTIFIER_WEBHOOKS`).
public struct WebhookSubscriptionRequest: Sendable, Hashable {
    /// Where events are POSTed (http or https).
    public var url: String
    /// Topic patterns of the event types wanted (`report.*`, `report.#`, `report.escalated`).
    public var events: [String]
    /// The shared secret the signature is made with.
    public var secret: String

    /// Creates a request; nil when the URL is not http(s), there are no patterns or the secret is empty
    /// (``problem(url:events:secret:)`` says which).
    public init?(url: String, events: [String], secret: String) {
        guard Self.problem(url: url, events: events, secret: secret) == nil else { return nil }
        self.url = url
        self.events = events
        self.secret = secret
    }

    /// Creates a request or throws what is wrong with it, naming the part (never echoing the secret).
    public static func validated(url: String, events: [String], secret: String) throws(WebhookSubscriptionProblem) -> WebhookSubscriptionRequest {
        if let problem = problem(url: url, events: events, secret: secret) { throw problem }
        return WebhookSubscriptionRequest(url: url, events: events, secret: secret)!
    }

    /// What is wrong with a subscription, or nil: the URL must be an absolute http(s) URL with a host, each
    /// pattern dot-separated words of letters, digits, `-` and `_` or a whole-word `*` / `#`, and the secret
    /// not empty.
    public static func problem(url: String, events: [String], secret: String) -> WebhookSubscriptionProblem? {
        let scheme = url.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() }
        guard let scheme, scheme == "http" || scheme == "https", url.lowercased().hasPrefix("\(scheme)://") else {
            return WebhookSubscriptionProblem(field: "url", message: "the URL must start with http:// or https://")
        }
        guard let parsed = URLComponents(string: url), let host = parsed.host, !host.isEmpty, !url.contains(where: \.isWhitespace) else {
            return WebhookSubscriptionProblem(field: "url", message: "the URL is not a valid http(s) URL with a host")
        }
        guard !events.isEmpty else {
            return WebhookSubscriptionProblem(field: "events", message: "give at least one event pattern, such as report.*")
        }
        for pattern in events {
            let words = pattern.split(separator: ".", omittingEmptySubsequences: false)
            let plain = words.allSatisfy { word in
                word == "*" || word == "#"
                    || (!word.isEmpty && word.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") })
            }
            guard !pattern.isEmpty, plain else {
                return WebhookSubscriptionProblem(
                    field: "events",
                    message: "'\(pattern)' is not an event pattern: dot-separated words, * for one word, # for any number (report.*, report.#, report.escalated)")
            }
        }
        guard !secret.isEmpty else {
            return WebhookSubscriptionProblem(field: "secret", message: "the secret must not be empty (receivers verify Open137-Signature with it)")
        }
        return nil
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
