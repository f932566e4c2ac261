/// An Iranian mobile number, normalised to E.164 (`+989121234567`) from the forms people write:
/// `09121234567`, `9121234567`, `+989121234567`, `00989121234567`, `989121234567`, with Latin, Persian or
/// Arabic-Indic digits and spaces, dashes or brackets between them.
public struct PhoneNumber: Sendable, Hashable {
    /// The number in E.164.
    public let e164: String

    /// Nil unless `text` is an Iranian mobile number (`9` then nine digits after the country code).
    public init?(parsing text: String) {
        var digits = ""
        var plus = false
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            switch scalar.value {
            case 0x30...0x39: digits.unicodeScalars.append(scalar)
            case 0x6F0...0x6F9: digits.unicodeScalars.append(Unicode.Scalar(scalar.value - 0x6F0 + 0x30)!)
            case 0x660...0x669: digits.unicodeScalars.append(Unicode.Scalar(scalar.value - 0x660 + 0x30)!)
            case 0x2B where offset == 0: plus = true  // "+"
            case 0x20, 0x2D, 0x28, 0x29: continue  // space, dash, brackets
            default: return nil
            }
        }
        let national: Substring
        if plus {
            guard digits.hasPrefix("98") else { return nil }
            national = digits.dropFirst(2)
        } else if digits.hasPrefix("0098") {
            national = digits.dropFirst(4)
        } else if digits.hasPrefix("98"), digits.count == 12 {
            national = digits.dropFirst(2)
        } else if digits.hasPrefix("0") {
            national = digits.dropFirst(1)
        } else {
            national = Substring(digits)
        }
        guard national.count == 10, national.hasPrefix("9") else { return nil }
        e164 = "+98" + national
    }
}
