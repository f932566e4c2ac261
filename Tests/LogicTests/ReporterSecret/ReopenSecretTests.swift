import Testing

@testable import ReporterSecret

@Suite("The reporter's reopen secret")
struct ReopenSecretTests {
    let secrets = ReopenSecret(key: "a-test-key-of-at-least-thirty-two-bytes")!
    let report = "3f0c3f5e-6a43-4f51-9d6e-2f1b0f3f9a10"

    @Test("eight digits, the same for a report whatever the case of its id, different for another report")
    func derivation() {
        let secret = secrets.secret(forReport: report)
        #expect(secret.count == 8 && secret.allSatisfy(\.isASCII) && secret.allSatisfy(\.isNumber))
        #expect(secrets.secret(forReport: report.uppercased()) == secret)
        #expect(secrets.secret(forReport: "3f0c3f5e-6a43-4f51-9d6e-2f1b0f3f9a11") != secret)
        let other = ReopenSecret(key: "another-key-of-at-least-thirty-two-bytes")!
        #expect(other.secret(forReport: report) != secret)
    }

    @Test("the right secret verifies, also in Persian digits or with spaces; anything else does not")
    func verification() {
        let secret = secrets.secret(forReport: report)
        #expect(secrets.verify(secret, forReport: report))
        let persian = String(secret.unicodeScalars.map { Character(Unicode.Scalar($0.value - 0x30 + 0x06F0)!) })
        #expect(secrets.verify(persian, forReport: report))
        #expect(secrets.verify(String(secret.prefix(4)) + " " + String(secret.suffix(4)), forReport: report))
        let wrongLast = String(secret.dropLast()) + (secret.last == "0" ? "1" : "0")
        #expect(!secrets.verify(wrongLast, forReport: report))
        #expect(!secrets.verify(String(secret.dropLast()), forReport: report))
        #expect(!secrets.verify(secret + "0", forReport: report))
        #expect(!secrets.verify("", forReport: report))
        #expect(!secrets.verify("abcdefgh", forReport: report))
    }

    @Test("a key shorter than 32 bytes is refused")
    func shortKey() {
        #expect(ReopenSecret(key: "short") == nil)
        #expect(ReopenSecret(key: String(repeating: "k", count: 31)) == nil)
        #expect(ReopenSecret(key: String(repeating: "k", count: 32)) != nil)
    }
}
