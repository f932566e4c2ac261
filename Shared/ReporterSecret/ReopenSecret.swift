import Crypto
import Foundation

/// The reporter's secret for reopening a resolved report: eight digits, given with the tracking code (the
/// native `201`, Open311's answer, the AMQP reply, and the notifier's "received" message) and asked for by
/// the public reopen.
///
/// The secret is derived, not stored: HMAC-SHA-256 of the report id under the city's reopen key
/// (`OPEN137_REOPEN_KEY`), cut to eight decimal digits. So intake can check it and the notifier can send
/// it without the secret ever travelling in an event (events reach the audit log, webhooks and every
/// stage), and the database holds nothing that reveals it. Digits, because a 137 operator reads it out
/// over the phone; eight of them, with intake's per-report lock-out after a few wrong tries, leave
/// guessing hopeless. Changing the key invalidates every secret already given out.
public struct ReopenSecret: Sendable {
    /// How many digits a secret has.
    public static let digits = 8
    /// The fewest bytes a key may have.
    public static let minimumKeyBytes = 32

    private let key: SymmetricKey

    /// A deriver over `key` (at least `minimumKeyBytes` bytes of UTF-8; `nil` when shorter).
    public init?(key: String) {
        let bytes = Data(key.utf8)
        guard bytes.count >= Self.minimumKeyBytes else { return nil }
        self.key = SymmetricKey(data: bytes)
    }

    /// The secret of the report `reportID` (a UUID; case does not matter).
    public func secret(forReport reportID: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("open137-reopen-v1:\(reportID.lowercased())".utf8), using: key)
        let value = mac.withUnsafeBytes { bytes in bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        let text = String(value % 100_000_000)
        return String(repeating: "0", count: Self.digits - text.count) + text
    }

    /// Whether `candidate` is the secret of `reportID`, compared in constant time. Persian or Arabic-Indic
    /// digits count as their Latin ones (a reporter may type either); spaces and dashes are ignored.
    public func verify(_ candidate: String, forReport reportID: String) -> Bool {
        guard let given = Self.normalized(candidate) else { return false }
        let expected = Array(secret(forReport: reportID).utf8)
        return zip(given, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// `candidate` as eight ASCII digits, or nil when it is not eight digits.
    static func normalized(_ candidate: String) -> [UInt8]? {
        var digits: [UInt8] = []
        for scalar in candidate.unicodeScalars {
            switch scalar.value {
            case 0x30...0x39: digits.append(UInt8(scalar.value))
            case 0x06F0...0x06F9: digits.append(UInt8(0x30 + scalar.value - 0x06F0))  // Persian
            case 0x0660...0x0669: digits.append(UInt8(0x30 + scalar.value - 0x0660))  // Arabic-Indic
            case 0x20, 0x2D: continue
            default: return nil
            }
            if digits.count > Self.digits { return nil }
        }
        return digits.count == Self.digits ? digits : nil
    }
}
