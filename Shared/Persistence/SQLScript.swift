/// Splits a migration file into single statements, because the extended query protocol that postgres-nio
/// uses runs one statement per query.
///
/// It understands what can hide a `;`: single-quoted strings (with `''`), `E'…'` strings (with backslash
/// escapes), double-quoted identifiers, dollar-quoted bodies (`$$…$$`, `$fn$…$fn$`), `--` line comments and
/// nested `/* … */` block comments. Statements that hold nothing but comments and white space are dropped.
enum SQLScript {
    /// The statements of `sql`, in order, without their terminating `;`.
    static func statements(in sql: String) -> [String] {
        let chars = Array(sql.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var hasCode = false
        var i = 0

        func isIdentifierChar(_ c: Unicode.Scalar) -> Bool {
            c == "_" || c.properties.isAlphabetic || ("0"..."9").contains(c)
        }
        func flush() {
            let text = String(current).trimmingWhitespace()
            if hasCode, !text.isEmpty { statements.append(text) }
            current = String.UnicodeScalarView()
            hasCode = false
        }
        func append(_ from: Int, _ to: Int) {
            current.append(contentsOf: chars[from..<min(to, chars.count)])
        }

        while i < chars.count {
            let c = chars[i]
            let next: Unicode.Scalar? = i + 1 < chars.count ? chars[i + 1] : nil
            if c == "-", next == "-" {
                var j = i
                while j < chars.count, chars[j] != "\n" { j += 1 }
                append(i, j)
                i = j
            } else if c == "/", next == "*" {
                var depth = 1
                var j = i + 2
                while j < chars.count, depth > 0 {
                    if chars[j] == "/", j + 1 < chars.count, chars[j + 1] == "*" { depth += 1; j += 2 }
                    else if chars[j] == "*", j + 1 < chars.count, chars[j + 1] == "/" { depth -= 1; j += 2 }
                    else { j += 1 }
                }
                append(i, j)
                i = j
            } else if c == "'" {
                let escapes = i > 0 && (chars[i - 1] == "E" || chars[i - 1] == "e")
                    && (i < 2 || !isIdentifierChar(chars[i - 2]))
                var j = i + 1
                while j < chars.count {
                    if escapes, chars[j] == "\\" { j += 2; continue }
                    if chars[j] == "'" {
                        if j + 1 < chars.count, chars[j + 1] == "'" { j += 2; continue }
                        break
                    }
                    j += 1
                }
                append(i, j + 1)
                hasCode = true
                i = j + 1
            } else if c == "\"" {
                var j = i + 1
                while j < chars.count {
                    if chars[j] == "\"" {
                        if j + 1 < chars.count, chars[j + 1] == "\"" { j += 2; continue }
                        break
                    }
                    j += 1
                }
                append(i, j + 1)
                hasCode = true
                i = j + 1
            } else if c == "$", let tagEnd = dollarTagEnd(chars, from: i), i == 0 || !isIdentifierChar(chars[i - 1]) {
                let tag = Array(chars[i...tagEnd])
                var j = tagEnd + 1
                var closed = chars.count
                while j < chars.count {
                    if chars[j] == "$", j + tag.count <= chars.count, Array(chars[j..<(j + tag.count)]) == tag {
                        closed = j + tag.count
                        break
                    }
                    j += 1
                }
                append(i, closed)
                hasCode = true
                i = closed
            } else if c == ";" {
                flush()
                i += 1
            } else {
                current.append(c)
                if !c.properties.isWhitespace { hasCode = true }
                i += 1
            }
        }
        flush()
        return statements
    }

    /// When `chars[start]` opens a dollar-quote tag (`$$` or `$name$`), the index of its closing `$`.
    private static func dollarTagEnd(_ chars: [Unicode.Scalar], from start: Int) -> Int? {
        var j = start + 1
        guard j < chars.count else { return nil }
        if chars[j] == "$" { return j }
        let first = chars[j]
        guard first == "_" || first.properties.isAlphabetic else { return nil }
        while j < chars.count {
            let c = chars[j]
            if c == "$" { return j }
            guard c == "_" || c.properties.isAlphabetic || ("0"..."9").contains(c) else { return nil }
            j += 1
        }
        return nil
    }
}
