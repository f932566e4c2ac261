import AsyncHTTPClient
import BrokerTopology
import Foundation
import NIOCore
import NIOHTTP1

/// Creates the units' and the council's RabbitMQ users on a live broker through the management HTTP API,
/// with the permissions and topic permissions of `Open137Topology.brokerUsers`. Idempotent: a user that
/// already has a password keeps it (unless `rotate`), one that is missing — or has none, as after an import
/// of `definitions.json` — gets a fresh random password, which is returned once and kept nowhere;
/// permissions are set on every run, so a run also repairs them.
public struct BrokerUserProvisioner: Sendable {
    /// The management API, as the administrator.
    public let api: ManagementAPI
    private let vhost: String

    /// The management API's base URL (`http://127.0.0.1:15672/`).
    public var managementURL: String { api.baseURL }

    /// A provisioner acting as the broker's administrator `user` on `vhost`.
    public init(managementURL: String, user: String, password: String, vhost: String = "/", client: HTTPClient = .shared) {
        self.init(api: ManagementAPI(baseURL: managementURL, user: user, password: password, client: client), vhost: vhost)
    }

    /// A provisioner acting through `api` on `vhost`.
    public init(api: ManagementAPI, vhost: String = "/") {
        self.api = api
        self.vhost = vhost
    }

    /// Provisions `users` in order; stops at the first failure (what was done before it stays done, and a
    /// second run finishes the rest).
    public func provision(_ users: [BrokerUser], rotate: Bool = false) async throws(ProvisioningError) -> [ProvisionedUser] {
        var results: [ProvisionedUser] = []
        for user in users {
            let name = ManagementAPI.escape(user.name)
            let vhostPath = ManagementAPI.escape(vhost)
            var password: String?
            let existing = try await api.send(.GET, "api/users/\(name)", accept: [200, 404], what: "reading user \(user.name)")
            let hasPassword = existing.status == 200 && !(existing.body["password_hash"]?.stringValue ?? "").isEmpty
            if rotate || !hasPassword {
                let fresh = Self.generatePassword()
                _ = try await api.send(.PUT, "api/users/\(name)", body: ["password": .string(fresh), "tags": .string("")], accept: [201, 204], what: "creating user \(user.name)")
                password = fresh
            }
            _ = try await api.send(.PUT, "api/permissions/\(vhostPath)/\(name)", body: [
                "configure": .string(user.configure), "write": .string(user.write), "read": .string(user.read),
            ], accept: [201, 204], what: "setting the permissions of \(user.name)")
            for topic in user.topicPermissions {
                _ = try await api.send(.PUT, "api/topic-permissions/\(vhostPath)/\(name)", body: [
                    "exchange": .string(topic.exchange), "write": .string(topic.write), "read": .string(topic.read),
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
}
