import Foundation

/// The language Open311 names and notices are written in: Persian (the city's) unless the client asks
/// for English with `?locale=en…` or an `Accept-Language` that prefers English.
enum Open311Language: String, Sendable {
    /// Persian, the default.
    case persian = "fa"
    /// English.
    case english = "en"

    /// `locale` wins over `Accept-Language`; a language Open137 does not have falls back to Persian
    /// rather than failing (as `Accept-Language` itself does).
    init(locale: String?, acceptLanguage: String?) {
        if let locale, let language = Self.matching(locale) {
            self = language
            return
        }
        self = acceptLanguage.flatMap(Self.preferred) ?? .persian
    }

    /// The language code `LocalizedText.text(for:)` takes.
    var code: String { rawValue }

    /// The first of fa/en in an `Accept-Language` list, by quality (RFC 9110 §12.5.4), ties in order.
    static func preferred(in header: String) -> Open311Language? {
        var candidates: [(language: Open311Language, quality: Double, position: Int)] = []
        for (position, item) in header.split(separator: ",").enumerated() {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first, let language = matching(tag) else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() where parameter.lowercased().hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            if quality > 0 { candidates.append((language, quality, position)) }
        }
        return candidates.min { first, second in
            first.quality != second.quality ? first.quality > second.quality : first.position < second.position
        }?.language
    }

    private static func matching(_ tag: String) -> Open311Language? {
        let primary = tag.lowercased().split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map(String.init) ?? ""
        return Open311Language(rawValue: primary)
    }
}
