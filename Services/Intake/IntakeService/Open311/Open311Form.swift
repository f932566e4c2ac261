/// Parameters of an Open311 request — a query string or an `application/x-www-form-urlencoded` body —
/// decoded strictly: `+` is a space, `%XX` a byte, and the bytes must be UTF-8. Anything else is a
/// ``Open311FormError`` (a 400), never a guess.
struct Open311Form: Sendable, Hashable {
    /// The name/value pairs in the order sent (names repeat for `attribute[code][]`).
    var pairs: [Pair]

    /// One decoded `name=value`.
    struct Pair: Sendable, Hashable {
        /// The decoded name.
        var name: String
        /// The decoded value.
        var value: String
    }

    /// A form of these pairs.
    init(pairs: [Pair] = []) {
        self.pairs = pairs
    }

    /// Parses `a=1&b=2` (a query string without `?`, or a form body).
    init(parsing text: Substring) throws(Open311FormError) {
        var pairs: [Pair] = []
        for segment in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = segment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0])
            let value = parts.count > 1 ? try Self.decode(parts[1]) : ""
            guard !name.isEmpty else { throw Open311FormError("a parameter has no name") }
            pairs.append(Pair(name: name, value: value))
        }
        self.pairs = pairs
    }

    /// The value of a parameter sent once; nil when absent or empty (the spec: an empty optional
    /// argument is the same as none). Sent twice with different values is an error: which one was meant?
    func value(_ name: String) throws(Open311FormError) -> String? {
        let values = pairs.filter { $0.name == name }.map(\.value).filter { !$0.isEmpty }
        guard let first = values.first else { return nil }
        guard values.allSatisfy({ $0 == first }) else { throw Open311FormError("\(name) is given more than once") }
        return first
    }

    /// Every non-empty value of a parameter, in order (list parameters may be repeated as well as comma separated).
    func values(_ name: String) -> [String] {
        pairs.filter { $0.name == name && !$0.value.isEmpty }.map(\.value)
    }

    /// This form's pairs, then `other`'s pairs whose names this form does not have (a POST's body wins
    /// over its query string).
    func merging(_ other: Open311Form) -> Open311Form {
        let names = Set(pairs.map(\.name))
        return Open311Form(pairs: pairs + other.pairs.filter { !names.contains($0.name) })
    }

    /// Percent-decodes one name or value of `application/x-www-form-urlencoded` (WHATWG URL §5.1).
    static func decode(_ text: Substring) throws(Open311FormError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw Open311FormError("a % is not followed by two hexadecimal digits")
                }
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw Open311FormError("a parameter is not UTF-8 once decoded")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
