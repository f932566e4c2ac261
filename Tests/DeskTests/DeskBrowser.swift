import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// A browser's part in the desk's tests, over real HTTP: keeps cookies, posts forms, follows no
/// redirect (a test sees the 303 and where it points).
final class DeskBrowser: Sendable {
    let base: String
    private let cookies = Mutex<[String: String]>([:])

    /// One client for every test: redirects are not followed (`HTTPClient.shared` follows them). Never shut
    /// down: it lives as long as the test process.
    private static let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    init(base: String) {
        self.base = base
    }

    /// A response: status, `Location` and body.
    struct Page: Sendable {
        var status: Int
        var location: String?
        var body: String
    }

    /// The status of `GET url` (no cookies).
    static func status(_ url: String) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        let response = try await client.execute(request, timeout: .seconds(5))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    /// `GET path`.
    func get(_ path: String) async throws -> Page {
        try await send(path, method: .GET, body: nil)
    }

    /// `POST path` with a form of `fields`.
    func post(_ path: String, _ fields: [(String, String)]) async throws -> Page {
        try await send(path, method: .POST, body: fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&"))
    }

    /// Signs in through the sign-in page (its CSRF token first).
    func signIn(_ username: String, _ password: String) async throws {
        let form = try await get("/staff/sign-in")
        let token = Self.field("_csrf", in: form.body) ?? ""
        let answer = try await post("/staff/sign-in", [("_csrf", token), ("username", username), ("password", password)])
        guard answer.status == 303 else { throw SignInFailed(status: answer.status) }
    }

    struct SignInFailed: Error {
        var status: Int
    }

    /// The session's CSRF token, from the sign-out form every staff page carries.
    func csrf(on page: Page) -> String { Self.field("_csrf", in: page.body) ?? "" }

    private func send(_ path: String, method: HTTPMethod, body: String?) async throws -> Page {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        let jar = cookies.withLock { $0 }
        if !jar.isEmpty { request.headers.add(name: "Cookie", value: jar.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await Self.client.execute(request, timeout: .seconds(15))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        cookies.withLock { jar in
            for field in response.headers["Set-Cookie"] {
                let pair = field.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { continue }
                if pair[1].isEmpty || field.contains("Max-Age=0") { jar[String(pair[0])] = nil } else { jar[String(pair[0])] = String(pair[1]) }
            }
        }
        return Page(status: Int(response.status.code), location: response.headers.first(name: "Location"), body: String(buffer: bytes))
    }

    /// The value of the input `name` in an HTML page.
    static func field(_ name: String, in page: String) -> String? {
        guard let range = page.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = page[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    private static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return text.addingPercentEncoding(withAllowedCharacters: allowed)!.replacingOccurrences(of: "%20", with: "+")
    }
}
