import Foundation

/// RFC 3339 timestamps as events carry them (with or without fractional seconds).
public enum Timestamp {
    /// The date of `text`, or nil when it is not an RFC 3339 date-time.
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle())
    }

    /// RFC 3339 in UTC with milliseconds (what every Open137 event writes).
    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
