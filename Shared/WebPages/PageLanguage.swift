/// The language of a page: Persian (right to left, Persian digits) unless English is asked for — by the
/// switch (`?lang=en`, then remembered in a cookie) or by the browser's `Accept-Language`.
public enum PageLanguage: String, Sendable, Hashable, CaseIterable {
    /// Persian, the default.
    case fa
    /// English.
    case en

    /// The cookie that remembers the switch.
    public static let cookieName = "open137_lang"

    /// The language chosen by, in order: the `lang` query item, the cookie, the first of `Accept-Language`
    /// that is Persian or English; Persian otherwise.
    public static func negotiate(query: String?, cookie: String?, acceptLanguage: String?) -> PageLanguage {
        if let query, let language = PageLanguage(rawValue: query) { return language }
        if let cookie, let language = PageLanguage(rawValue: cookie) { return language }
        for part in (acceptLanguage ?? "").split(separator: ",") {
            let tag = part.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased()
            if tag.hasPrefix("fa") || tag.hasPrefix("per") { return .fa }
            if tag.hasPrefix("en") { return .en }
        }
        return .fa
    }

    /// `rtl` or `ltr`.
    public var direction: String { self == .fa ? "rtl" : "ltr" }

    /// The other language (the switch offers it).
    public var other: PageLanguage { self == .fa ? .en : .fa }

    /// The language's own name (the switch's label).
    public var ownName: String { self == .fa ? "فارسی" : "English" }

    /// `fa` or `en` — whichever is this language's.
    public func pick(_ fa: String, _ en: String) -> String { self == .fa ? fa : en }

    /// `text` with its ASCII digits as Persian digits in Persian (left alone in English).
    public func digits(_ text: String) -> String {
        guard self == .fa else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if ("0"..."9").contains(scalar) {
                result.append(Unicode.Scalar(scalar.value - 0x30 + 0x6F0)!)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }
}
