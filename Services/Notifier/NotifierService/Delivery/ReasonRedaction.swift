/// Failure reasons end up in logs and on the dead-letter queue; a gateway or SMTP server may echo the
/// address or number it refused, so anything that looks like one is masked first.
enum ReasonRedaction {
    /// `reason` with words holding an `@` and runs of 7 or more digits masked.
    static func redact(_ reason: String) -> String {
        reason.split(separator: " ", omittingEmptySubsequences: false).map { word -> String in
            if word.contains("@") { return "<address>" }
            var digits = 0
            var longest = 0
            for character in word {
                digits = character.isNumber ? digits + 1 : 0
                longest = max(longest, digits)
            }
            return longest >= 7 ? "<number>" : String(word)
        }.joined(separator: " ")
    }
}
