import Events

/// The audit log's canonical bytes of a JSON value: object keys sorted by their UTF-8 bytes, no
/// whitespace, strings escaped only where JSON requires it (quote, backslash, control characters) and
/// otherwise raw UTF-8, whole numbers without a fraction. The same value always gives the same bytes, so
/// a hash over them does not depend on how a producer happened to order or space its JSON. (The chain is
/// verified over the stored bytes themselves, so this function may evolve without breaking old entries.)
public enum CanonicalJSON {
    /// The canonical UTF-8 bytes of `value`.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(value, into: &out)
        return out
    }

    private static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number): writeNumber(number, into: &out)
        case .string(let string): writeString(string, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            // Byte order, not String's Unicode order: any implementation in any language can reproduce it.
            let keys = members.keys.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
            for (index, key) in keys.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                let name = String(decoding: key, as: UTF8.self)
                writeString(name, into: &out)
                out.append(UInt8(ascii: ":"))
                write(members[name]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func writeNumber(_ number: Double, into out: inout [UInt8]) {
        if number.isFinite, number.rounded() == number, abs(number) < 9.007_199_254_740_992e15 {
            out.append(contentsOf: String(Int64(number)).utf8)
        } else if number.isFinite {
            out.append(contentsOf: "\(number)".utf8)
        } else {
            // JSON has no NaN or infinity; the parser never produces them, but never write invalid JSON.
            out.append(contentsOf: "null".utf8)
        }
    }

    private static func writeString(_ string: String, into out: inout [UInt8]) {
        JSONText.appendString(string, to: &out)
    }
}
