/// Lower-case hex of bytes, written into one buffer (a string per byte joined was a few per cent of the
/// notifier's CPU: every webhook is signed, every notification keyed by a digest). The one hex writer of
/// the stages: signatures, idempotency keys, the audit chain's hashes, API key ids.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// `bytes` as lower-case hex.
    public static func lowercase<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
