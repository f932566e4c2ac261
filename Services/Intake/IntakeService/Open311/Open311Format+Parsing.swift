import Foundation

extension Open311Format {
    /// Parses a date-time in the W3C profile of ISO 8601 the spec requires, zone included:
    /// `2010-01-01T00:00:00Z`, `2010-01-01T06:37:38-08:00`, `2025-03-01T09:30:00.250+03:30`; seconds may be
    /// left out (`2010-01-01T00:00Z`). Nil for anything else — a date without a zone is ambiguous.
    static func parseTime(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 17, bytes.count <= 40 else { return nil }
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + digits] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += digits
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard index < bytes.count, bytes[index] == character.asciiValue else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
              expect("T") || expect("t"), let hour = number(2), expect(":"), let minute = number(2)
        else { return nil }
        var second = 0
        var nanoseconds = 0
        if expect(":") {
            guard let value = number(2) else { return nil }
            second = value
            if expect(".") {
                let start = index
                var fraction = 0.0
                var scale = 0.1
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                    fraction += Double(bytes[index] - UInt8(ascii: "0")) * scale
                    scale /= 10
                    index += 1
                }
                guard index > start else { return nil }
                nanoseconds = Int((fraction * 1e9).rounded())
            }
        }
        var offset = 0
        if expect("Z") || expect("z") {
            offset = 0
        } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let hours = number(2), expect(":"), let minutes = number(2), hours <= 14, minutes < 60 else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        } else {
            return nil
        }
        guard index == bytes.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60,
              let zone = TimeZone(secondsFromGMT: offset)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(
            calendar: calendar, timeZone: zone, year: year, month: month, day: day,
            hour: hour, minute: minute, second: second, nanosecond: nanoseconds
        )
        // Rejects days a month does not have (2025-02-30) instead of rolling them over.
        guard components.isValidDate(in: calendar) else { return nil }
        return calendar.date(from: components)
    }
}
