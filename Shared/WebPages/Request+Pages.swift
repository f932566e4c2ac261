import Foundation
import Hummingbird

extension Request {
    /// The page's language (``PageLanguage/negotiate(query:cookie:acceptLanguage:)``).
    public var pageLanguage: PageLanguage {
        PageLanguage.negotiate(
            query: uri.queryParameters["lang"].map(String.init), cookie: cookies[PageLanguage.cookieName]?.value,
            acceptLanguage: headers[.acceptLanguage]
        )
    }

    /// The cookie that remembers the language switch, when this request used it.
    public var languageCookie: Cookie? {
        guard let value = uri.queryParameters["lang"].map(String.init), let language = PageLanguage(rawValue: value) else { return nil }
        return Cookie(name: PageLanguage.cookieName, value: language.rawValue, maxAge: 365 * 86_400, path: "/", httpOnly: true, sameSite: .lax)
    }

    /// The request's path without the `lang` query item (the language switch adds its own).
    public var pathWithoutLanguage: String {
        let items = uri.queryParameters.filter { $0.key != "lang" }
        guard !items.isEmpty else { return uri.path }
        let query = items.map { "\($0.key)=\(String($0.value).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.sorted()
        return uri.path + "?" + query.joined(separator: "&")
    }

    /// A query item as a GET form sends it: `+` is a space (`application/x-www-form-urlencoded`), which
    /// Hummingbird's query parameters leave as it is.
    public func formQuery(_ name: String) -> String? {
        for pair in (uri.query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0] == name else { continue }
            // `+` before percent-decoding: an encoded plus (`%2B`) stays a plus.
            return parts.count > 1 ? String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding : ""
        }
        return nil
    }

    /// A posted `application/x-www-form-urlencoded` body decoded into `Form` (at most `limit` bytes);
    /// nil when the body is not such a form or does not decode.
    public func form<Form: Decodable>(_ type: Form.Type, limit: Int = 65_536) async -> Form? {
        guard let contentType = headers[.contentType], contentType.lowercased().hasPrefix("application/x-www-form-urlencoded") else { return nil }
        var request = self
        guard let body = try? await request.collectBody(upTo: limit) else { return nil }
        return try? URLEncodedFormDecoder().decode(Form.self, from: String(buffer: body))
    }
}

extension Response {
    /// This response with `cookie` set when there is one.
    public func setting(_ cookie: Cookie?) -> Response {
        guard let cookie else { return self }
        var response = self
        response.setCookie(cookie)
        return response
    }
}
