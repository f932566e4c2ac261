extension JSONText {
    /// Appends any JSON value: object members sorted by the UTF-8 bytes of their names, whole numbers
    /// without a fraction. The audit log's canonical form is this writer's output.
    public mutating func value(_ value: JSONValue) {
        Self.append(value, to: &bytes)
    }

    /// Appends a number as ``value(_:)`` writes it.
    public mutating func number(_ number: Double) {
        Self.appendNumber(number, to: &bytes)
    }

    /// Appends `"key":` and any JSON value, preceded by a comma unless `first`.
    public mutating func member(_ key: String, value: JSONValue, first: Bool = false) {
        memberName(key, first: first)
        self.value(value)
    }

    /// Appends `"key":` and a number, preceded by a comma unless `first`.
    public mutating func member(_ key: String, number: Double, first: Bool = false) {
        memberName(key, first: first)
        self.number(number)
    }

    /// Appends `"key":` and a value that writes itself, preceded by a comma unless `first`.
    public mutating func member(_ key: String, writing value: some JSONWritable, first: Bool = false) {
        memberName(key, first: first)
        value.writeJSON(into: &self)
    }

    /// Appends `"key":` and an array of strings, preceded by a comma unless `first`.
    public mutating func member(_ key: String, strings: [String], first: Bool = false) {
        memberName(key, first: first)
        raw("[")
        for (index, item) in strings.enumerated() {
            if index > 0 { raw(",") }
            string(item)
        }
        raw("]")
    }

    /// Appends `"key":` (and the comma before it unless `first`).
    public mutating func memberName(_ key: String, first: Bool = false) {
        if !first { raw(",") }
        string(key)
        raw(":")
    }

    /// Appends `value` as ``value(_:)`` writes it to `out`.
    public static func append(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number): appendNumber(number, to: &out)
        case .string(let string): appendString(string, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                append(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            // Byte order, not String's Unicode order: any implementation in any language can reproduce it.
            let keys = members.keys.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
            for (index, key) in keys.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                let name = String(decoding: key, as: UTF8.self)
                appendString(name, to: &out)
                out.append(UInt8(ascii: ":"))
                append(members[name]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends a number: whole numbers (below 2^53) without a fraction, others in Swift's shortest form.
    public static func appendNumber(_ number: Double, to out: inout [UInt8]) {
        if number.isFinite, number.rounded() == number, abs(number) < 9.007_199_254_740_992e15 {
            out.append(contentsOf: String(Int64(number)).utf8)
        } else if number.isFinite {
            out.append(contentsOf: "\(number)".utf8)
        } else {
            // JSON has no NaN or infinity; the parser never produces them, but never write invalid JSON.
            out.append(contentsOf: "null".utf8)
        }
    }
}
