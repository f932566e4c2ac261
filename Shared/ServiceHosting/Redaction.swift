import Logging

/// Removes personal data and secrets from strings before they reach logs: Iranian phone numbers,
/// e-mail addresses and passwords in URLs.
public enum Redaction {
    /// What a phone number is replaced with.
    public static let phonePlaceholder = "[phone]"
    /// What an e-mail address is replaced with.
    public static let emailPlaceholder = "[email]"
    /// What a URL password is replaced with.
    public static let passwordPlaceholder = "***"

    /// Applies every redaction: URL credentials, then e-mail addresses, then phone numbers.
    public static func redact(_ text: String) -> String {
        redactPhoneNumbers(redactEmailAddresses(redactURLCredentials(text)))
    }

    /// Masks the contact details a person may type into free text — phone numbers, then e-mail addresses —
    /// as public views and outward copies show it (unlike ``redact(_:)``, URLs are left as written).
    public static func redactContactDetails(_ text: String) -> String {
        redactEmailAddresses(redactPhoneNumbers(text))
    }

    /// Redacts every string in log metadata, recursively.
    public static func redact(_ metadata: Logger.Metadata) -> Logger.Metadata {
        metadata.mapValues(redact(_:))
    }

    /// Redacts a log metadata value, recursively.
    public static func redact(_ value: Logger.MetadataValue) -> Logger.MetadataValue {
        switch value {
        case .string(let string): .string(redact(string))
        case .stringConvertible(let convertible): .string(redact(convertible.description))
        case .array(let values): .array(values.map(redact(_:)))
        case .dictionary(let metadata): .dictionary(redact(metadata))
        }
    }

    /// Replaces the password of every `scheme://user:password@host` with `***`
    /// (`amqp://user:pass@host` → `amqp://user:***@host`). A user without a password is kept.
    public static func redactURLCredentials(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var output = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            guard let authorityStart = schemeSeparatorEnd(in: scalars, at: index) else {
                output.append(scalars[index])
                index += 1
                continue
            }
            output.append(contentsOf: scalars[index..<authorityStart])
            var authorityEnd = authorityStart
            while authorityEnd < scalars.count, !isAuthorityTerminator(scalars[authorityEnd]) { authorityEnd += 1 }
            let authority = scalars[authorityStart..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                output.append(contentsOf: scalars[authorityStart...colon])
                output.append(contentsOf: passwordPlaceholder.unicodeScalars)
                output.append(contentsOf: scalars[at..<authorityEnd])
            } else {
                output.append(contentsOf: authority)
            }
            index = authorityEnd
        }
        return String(output)
    }

    /// Replaces every e-mail address (`name@example.org`) with `[email]`. The user part of a URL
    /// (`amqp://guest@host`) is not an e-mail address and is kept.
    public static func redactEmailAddresses(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var output = String.UnicodeScalarView()
        var copied = 0
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "@" else {
                index += 1
                continue
            }
            var localStart = index
            while localStart > copied, isLocalPartScalar(scalars[localStart - 1]) { localStart -= 1 }
            var domainEnd = index + 1
            while domainEnd < scalars.count, isDomainScalar(scalars[domainEnd]) { domainEnd += 1 }
            while domainEnd > index + 1, scalars[domainEnd - 1] == "." || scalars[domainEnd - 1] == "-" { domainEnd -= 1 }
            let isURLUser = localStart >= 3 && scalars[localStart - 3] == ":" && scalars[localStart - 2] == "/"
                && scalars[localStart - 1] == "/"
            if localStart < index, isEmailDomain(scalars[(index + 1)..<domainEnd]), !isURLUser {
                output.append(contentsOf: scalars[copied..<localStart])
                output.append(contentsOf: emailPlaceholder.unicodeScalars)
                copied = domainEnd
                index = domainEnd
            } else {
                index += 1
            }
        }
        output.append(contentsOf: scalars[copied...])
        return String(output)
    }

    /// Replaces every Iranian phone number with `[phone]`: mobile and landline numbers written
    /// nationally (`09121234567`, `021 8888 7777`), internationally (`+98 912 123 4567`, `00989121234567`,
    /// `989121234567`), with Latin, Persian (۰–۹) or Arabic-Indic (٠–٩) digits, and single spaces or
    /// dashes between digits.
    public static func redactPhoneNumbers(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var output = String.UnicodeScalarView()
        var copied = 0
        var index = 0
        while index < scalars.count {
            let startsHere = (scalars[index] == "+" || digitValue(scalars[index]) != nil)
                && (index == 0 || (digitValue(scalars[index - 1]) == nil && !isWordScalar(scalars[index - 1])))
            if startsHere, let end = phoneNumberEnd(in: scalars, at: index) {
                output.append(contentsOf: scalars[copied..<index])
                output.append(contentsOf: phonePlaceholder.unicodeScalars)
                copied = end
                index = end
            } else {
                index += 1
            }
        }
        output.append(contentsOf: scalars[copied...])
        return String(output)
    }

    // MARK: Phone numbers

    /// The end (exclusive) of an Iranian phone number starting at `start`, or nil if none starts there.
    private static func phoneNumberEnd(in scalars: [Unicode.Scalar], at start: Int) -> Int? {
        var index = start
        var international = false
        if scalars[index] == "+" {
            index += 1
            guard let after = matchDigits([9, 8], in: scalars, at: index, separators: false) else { return nil }
            index = after
            international = true
        } else if let after = matchDigits([0, 0, 9, 8], in: scalars, at: index, separators: false) {
            index = after
            international = true
        }
        if international {
            // After +98: ten digits (9121234567, 2188887777), or a trunk 0 and ten digits.
            index = skipSeparator(in: scalars, at: index)
            if index < scalars.count, digitValue(scalars[index]) == 0 {
                return digitRunEnd(in: scalars, at: index, count: 11, firstNonZeroAt: 1)
            }
            return digitRunEnd(in: scalars, at: index, count: 10, firstNonZeroAt: 0)
        }
        // 98 without a plus, as SMS gateways write it: 98 9xx xxx xxxx.
        if matchDigits([9, 8, 9], in: scalars, at: index, separators: false) != nil,
           let end = digitRunEnd(in: scalars, at: index, count: 12, firstNonZeroAt: 2)
        {
            return end
        }
        // National: a trunk 0 and ten digits, the first not 0 (09xx… mobile, 0AA… landline).
        guard digitValue(scalars[index]) == 0 else { return nil }
        return digitRunEnd(in: scalars, at: index, count: 11, firstNonZeroAt: 1)
    }

    /// The end of exactly `count` digits from `start` (single spaces or dashes allowed between them),
    /// not followed directly by another digit, whose digit number `firstNonZeroAt` is not 0.
    private static func digitRunEnd(in scalars: [Unicode.Scalar], at start: Int, count: Int, firstNonZeroAt: Int) -> Int? {
        var index = start
        var digits = 0
        while digits < count {
            if digits > 0 { index = skipSeparator(in: scalars, at: index) }
            guard index < scalars.count, let value = digitValue(scalars[index]) else { return nil }
            if digits == firstNonZeroAt, value == 0 { return nil }
            digits += 1
            index += 1
        }
        if index < scalars.count, digitValue(scalars[index]) != nil || isWordScalar(scalars[index]) { return nil }
        return index
    }

    /// The index after `expected` digits at `start`, or nil when they are not there.
    private static func matchDigits(_ expected: [UInt8], in scalars: [Unicode.Scalar], at start: Int, separators: Bool) -> Int? {
        var index = start
        for (offset, digit) in expected.enumerated() {
            if separators, offset > 0 { index = skipSeparator(in: scalars, at: index) }
            guard index < scalars.count, digitValue(scalars[index]) == digit else { return nil }
            index += 1
        }
        return index
    }

    /// Skips one space or dash if a digit follows it.
    private static func skipSeparator(in scalars: [Unicode.Scalar], at index: Int) -> Int {
        guard index + 1 < scalars.count, scalars[index] == " " || scalars[index] == "-",
              digitValue(scalars[index + 1]) != nil
        else { return index }
        return index + 1
    }

    /// The value of a Latin, Persian or Arabic-Indic digit.
    private static func digitValue(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0x30...0x39: UInt8(scalar.value - 0x30)
        case 0x06F0...0x06F9: UInt8(scalar.value - 0x06F0)
        case 0x0660...0x0669: UInt8(scalar.value - 0x0660)
        default: nil
        }
    }

    /// Whether a scalar is a Latin letter or underscore, so that digits inside identifiers (hex ids,
    /// UUIDs) are left alone; Persian text written right against a number still counts as a boundary.
    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "_": true
        default: false
        }
    }

    // MARK: E-mail addresses

    /// Characters allowed in the local part of an address (left of `@`).
    private static func isLocalPartScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "%", "+", "-": true
        default: scalar.value > 0x7F && scalar.properties.isAlphabetic
        }
    }

    /// Characters allowed in a domain (right of `@`).
    private static func isDomainScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "-": true
        default: scalar.value > 0x7F && scalar.properties.isAlphabetic
        }
    }

    /// Whether the scalars form a domain with at least one dot and a final label of two or more letters.
    private static func isEmailDomain(_ domain: ArraySlice<Unicode.Scalar>) -> Bool {
        guard let lastDot = domain.lastIndex(of: "."), lastDot > domain.startIndex else { return false }
        let tld = domain[(lastDot + 1)...]
        return tld.count >= 2 && tld.allSatisfy { $0.properties.isAlphabetic }
    }

    // MARK: URLs

    /// The index after `://` when a URL scheme starts at `index` (letters, digits, `+`, `-`, `.`).
    private static func schemeSeparatorEnd(in scalars: [Unicode.Scalar], at index: Int) -> Int? {
        guard scalars[index].properties.isAlphabetic, scalars[index].isASCII,
              index == 0 || !isSchemeScalar(scalars[index - 1])
        else { return nil }
        var end = index
        while end < scalars.count, isSchemeScalar(scalars[end]) { end += 1 }
        guard end + 2 < scalars.count, scalars[end] == ":", scalars[end + 1] == "/", scalars[end + 2] == "/" else {
            return nil
        }
        return end + 3
    }

    /// Characters allowed in a URL scheme.
    private static func isSchemeScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "+", "-", ".": true
        default: false
        }
    }

    /// Characters that end a URL's authority part.
    private static func isAuthorityTerminator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "/", "?", "#", " ", "\t", "\n", "\r", "\"", "'", "<", ">", ",": true
        default: false
        }
    }
}
