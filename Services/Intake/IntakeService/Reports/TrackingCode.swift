/// The short numeric code a reporter follows a report with: nine random digits and a Damm check digit,
/// so a caller reading it over the phone who mistypes one digit, or swaps two neighbouring digits, gets
/// "no such code" instead of someone else's report.
public struct TrackingCode: Sendable, Hashable, CustomStringConvertible {
    /// The ten digits.
    public let digits: String

    /// How many digits a code has, check digit included.
    public static let length = 10

    /// Parses what a person typed: Latin, Persian or Arabic-Indic digits, with spaces or dashes between
    /// them. Nil unless it is ten digits with a valid check digit.
    public init?(parsing text: String) {
        var digits = ""
        for scalar in text.unicodeScalars {
            if let digit = Self.digitValue(scalar) {
                digits.unicodeScalars.append(Unicode.Scalar(UInt8(48 + digit)))
            } else if scalar == " " || scalar == "-" {
                continue
            } else {
                return nil
            }
        }
        guard digits.count == Self.length, Self.checksum(digits) == 0 else { return nil }
        self.digits = digits
    }

    /// A new random code (the caller makes it unique against the store).
    public static func random<Generator: RandomNumberGenerator>(using generator: inout Generator) -> TrackingCode {
        // The first digit is 1–9 so the code never looks like a phone number (09…) or loses a leading zero.
        var body = String(Int.random(in: 1...9, using: &generator))
        for _ in 1..<(length - 1) { body += String(Int.random(in: 0...9, using: &generator)) }
        return TrackingCode(validBody: body)
    }

    /// A new random code from the system's generator.
    public static func random() -> TrackingCode {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    private init(validBody body: String) {
        digits = body + String(Self.checksum(body))
    }

    public var description: String { digits }

    /// The Damm algorithm's interim digit of `digits`: appending it makes the checksum 0. It detects every
    /// single-digit error and every transposition of adjacent digits.
    static func checksum(_ digits: String) -> Int {
        var interim = 0
        for scalar in digits.unicodeScalars {
            interim = damm[interim][Int(scalar.value) - 48]
        }
        return interim
    }

    /// The value of a Latin, Persian or Arabic-Indic digit (nil for anything else): the digits people
    /// type codes, secrets and numbers with.
    static func digitValue(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar.value {
        case 0x30...0x39: Int(scalar.value - 0x30)
        case 0x6F0...0x6F9: Int(scalar.value - 0x6F0)  // Persian
        case 0x660...0x669: Int(scalar.value - 0x660)  // Arabic-Indic
        default: nil
        }
    }

    /// The totally anti-symmetric quasigroup of order 10 that the Damm algorithm uses.
    private static let damm: [[Int]] = [
        [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
        [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
        [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
        [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
        [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
        [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
        [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
        [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
        [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
        [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
    ]
}
