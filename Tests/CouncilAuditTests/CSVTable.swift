/// A strict RFC 4180 reader for the tests: CRLF (or LF) between records, quoted fields with doubled
/// quotes, commas and line breaks inside quotes; a leading UTF-8 byte-order mark is skipped. Anything
/// else — a quote inside an unquoted field, text after a closing quote, an unterminated quote — throws.
struct CSVTable: Sendable {
    /// The first record.
    let header: [String]
    /// The other records.
    let rows: [[String]]

    /// Malformed CSV.
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses `text`; every record must have as many fields as the header.
    init(parsing text: String) throws {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var index = 0
        var quoted = false
        var afterQuote = false
        while index < scalars.count {
            let c = scalars[index]
            index += 1
            if quoted {
                if c == "\"" {
                    if index < scalars.count && scalars[index] == "\"" {
                        field.unicodeScalars.append("\"")
                        index += 1
                    } else {
                        quoted = false
                        afterQuote = true
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case ",":
                record.append(field)
                field = ""
                afterQuote = false
            case "\r", "\n":
                if c == "\r" {
                    guard index < scalars.count, scalars[index] == "\n" else { throw Malformed(description: "a CR without LF") }
                    index += 1
                }
                record.append(field)
                records.append(record)
                record = []
                field = ""
                afterQuote = false
            case "\"":
                guard field.isEmpty, !afterQuote else { throw Malformed(description: "a quote inside an unquoted field") }
                quoted = true
            default:
                guard !afterQuote else { throw Malformed(description: "text after a closing quote") }
                field.unicodeScalars.append(c)
            }
        }
        guard !quoted else { throw Malformed(description: "an unterminated quote") }
        if !field.isEmpty || !record.isEmpty || afterQuote {
            record.append(field)
            records.append(record)
        }
        guard let header = records.first else { throw Malformed(description: "no header") }
        for (number, row) in records.enumerated() where row.count != header.count {
            throw Malformed(description: "record \(number + 1) has \(row.count) fields, the header \(header.count)")
        }
        self.header = header
        rows = Array(records.dropFirst())
    }

    /// The rows as dictionaries by column name.
    var dictionaries: [[String: String]] {
        rows.map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }
}
