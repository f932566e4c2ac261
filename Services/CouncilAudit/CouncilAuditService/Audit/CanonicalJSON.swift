import JSON

/// The audit log's canonical bytes of a JSON value: object keys sorted by their UTF-8 bytes, no
/// whitespace, strings escaped only where JSON requires it (quote, backslash, control characters) and
/// otherwise raw UTF-8, whole numbers without a fraction. The same value always gives the same bytes, so
/// a hash over them does not depend on how a producer happened to order or space its JSON. (The chain is
/// verified over the stored bytes themselves, so this function may evolve without breaking old entries.)
public enum CanonicalJSON {
    /// The canonical UTF-8 bytes of `value` (``JSONText``'s writer: the router's events use the same one).
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        JSONText.append(value, to: &out)
        return out
    }
}
