import Foundation

/// An e-mail as it goes into DATA: headers (the subject RFC 2047-encoded when it is not ASCII), a UTF-8
/// plain-text body, CRLF line ends, and dot-stuffing (RFC 5321 §4.5.2) so a line that starts with `.`
/// cannot end the message early.
public enum SMTPMessage {
    /// The DATA bytes, without the final `.` line.
    public static func data(from: String, to: String, subject: String, body: String, messageID: String, date: Date = Date()) -> [UInt8] {
        var lines = [
            "From: \(from)",
            "To: \(to)",
            "Subject: \(encodedHeader(subject))",
            "Date: \(rfc5322Date(date))",
            "Message-ID: <\(messageID)@open137>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
        ]
        lines += body.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return Array(lines.map(dotStuffed).joined(separator: "\r\n").utf8) + Array("\r\n".utf8)
    }

    /// A line with a leading `.` doubled.
    public static func dotStuffed(_ line: String) -> String {
        line.hasPrefix(".") ? "." + line : line
    }

    /// ASCII as is; anything else as RFC 2047 encoded words (`=?UTF-8?B?…?=`), split on character
    /// boundaries so each word stays within the 75-character limit.
    public static func encodedHeader(_ text: String) -> String {
        guard !text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 }) else {
            return text
        }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            // 45 bytes → 60 base64 characters + 12 of the frame = 72 ≤ 75.
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// `Fri, 21 Mar 2025 08:30:00 +0000`.
    public static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }
}
