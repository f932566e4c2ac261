import Contracts
import Crypto
import ServiceHosting

/// The webhook signature, as Stripe signs: `t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
public enum WebhookSignature {
    /// The header carrying it.
    public static let header = "Open137-Signature"
    /// The header carrying the event id, for receivers to de-duplicate.
    public static let eventIDHeader = "Open137-Event-Id"

    /// The header value for `body` signed at `timestamp`.
    public static func header(secret: String, timestamp: Int, body: [UInt8]) -> String {
        "t=\(timestamp),v1=\(hex(secret: secret, timestamp: timestamp, body: body))"
    }

    /// The hex HMAC of `"<timestamp>.<body>"`.
    public static func hex(secret: String, timestamp: Int, body: [UInt8]) -> String {
        var signed = Array("\(timestamp).".utf8)
        signed += body
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Array(secret.utf8)))
        return Hex.lowercase(mac)
    }

    /// Checks a header as a receiver would: the `v1` HMAC matches and `t` is within `tolerance` seconds of `now`.
    public static func verify(header value: String, secret: String, body: [UInt8], now: Int, tolerance: Int = 300) -> Bool {
        var timestamp: Int?
        var signatures: [String] = []
        for part in value.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int(pair[1]) } else if pair[0] == "v1" { signatures.append(pair[1]) }
        }
        guard let timestamp, abs(now - timestamp) <= tolerance else { return false }
        let expected = Array(hex(secret: secret, timestamp: timestamp, body: body).utf8)
        // Constant-time comparison: a receiver must not leak how much of a guess was right.
        return signatures.contains { signature in
            let given = Array(signature.utf8)
            guard given.count == expected.count else { return false }
            return zip(given, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }
}
