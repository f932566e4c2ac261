import AsyncHTTPClient
import Events
import Foundation
import NIOCore
import NIOHTTP1

/// Creates the units' and the council's RabbitMQ users on a live broker through the management HTTP API,
/// with the permissions and topic permissions of `Open137Topology.brokerUsers`. Idempotent: a user that
/// already has a password keeps it (unless `rotate`), one that is missing — or has none, as after an import
/// of `definitions.json` — gets a fresh random password, which is returned once and kept nowhere;
/// permissions are set on every run, so a run also repairs them.
public struct BrokerUserProvisioner: Sendable {
    /// The management API's base URL (`http://127.0.0.1:15672/`).
    public let managementURL: String
    private let authorization: String
    private let vhost: String
    private let client: HTTPClient

    /// A provisioner acting as the broker's administrator `user` on `vhost`.
    public init(managementURL: String, user: String, password: String, vhost: String = "/", client: HTTPClient = .shared) {
        self.managementURL = managementURL.hasSuffix("/") ? managementURL : managementURL + "/"
        self.authorization = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        self.vhost = vhost
        self.client = client
    }

    /// Provisions `users` in order; stops at the first failure (what was done before it stays done, and a
    /// second run finishes the rest).
    public func provision(_ users: [BrokerUser], rotate: Bool = false) async throws(ProvisioningError) -> [ProvisionedUser] {
        var results: [ProvisionedUser] = []
        for user in users {
            let name = Self.escape(user.name)
            let vhostPath = Self.escape(vhost)
            var password: String?
            let existing = try await send(.GET, "api/users/\(name)", accept: [200, 404], what: "reading user \(user.name)")
            let hasPassword = existing.status == 200 && !(existing.body["password_hash"]?.stringValue ?? "").isEmpty
            if rotate || !hasPassword {
                let fresh = Self.generatePassword()
                _ = try await send(.PUT, "api/users/\(name)", body: ["password": fresh, "tags": ""], accept: [201, 204], what: "creating user \(user.name)")
                password = fresh
            }
            _ = try await send(.PUT, "api/permissions/\(vhostPath)/\(name)", body: [
                "configure": user.configure, "write": user.write, "read": user.read,
            ], accept: [201, 204], what: "setting the permissions of \(user.name)")
            for topic in user.topicPermissions {
                _ = try await send(.PUT, "api/topic-permissions/\(vhostPath)/\(name)", body: [
                    "exchange": topic.exchange, "write": topic.write, "read": topic.read,
                ], accept: [201, 204], what: "setting the topic permissions of \(user.name) on \(topic.exchange)")
            }
            results.append(ProvisionedUser(name: user.name, password: password))
        }
        return results
    }

    /// 32 random bytes (the system's cryptographic generator) as 43 URL-safe base64 characters.
    static func generatePassword() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// A path segment with everything but unreserved characters percent-encoded (`/` → `%2F`).
    static func escape(_ segment: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }

    private func send(
        _ method: HTTPMethod, _ path: String, body: [String: String]? = nil, accept: Set<Int>, what: String
    ) async throws(ProvisioningError) -> (status: Int, body: JSONValue) {
        var request = HTTPClientRequest(url: managementURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: authorization)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: (try? JSONEncoder().encode(body)) ?? Data("{}".utf8)))
        }
        let status: Int
        let answer: ByteBuffer
        do {
            let response = try await client.execute(request, timeout: .seconds(15))
            status = Int(response.status.code)
            answer = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw ProvisioningError(.unreachable, "\(what): the management API at \(managementURL) did not answer (\(error))")
        }
        if status == 401 || status == 403 {
            throw ProvisioningError(.unauthorized, "\(what): the management API refused the administrator (\(status))")
        }
        guard accept.contains(status) else {
            throw ProvisioningError(.unexpectedAnswer, "\(what): HTTP \(status) \(String(buffer: answer).prefix(200))")
        }
        return (status, (try? JSONValue.parse(Array(buffer: answer))) ?? .null)
    }
}
