import AsyncHTTPClient
import Foundation
import JSON
import Messaging
import NIOCore
import NIOHTTP1

/// The broker's management HTTP API as its administrator: what AMQP cannot do (users, permissions,
/// policies) goes through here.
public struct ManagementAPI: Sendable {
    /// The API's base URL (`http://127.0.0.1:15672/`), without credentials.
    public let baseURL: String
    private let authorization: String
    private let client: HTTPClient

    /// The API at `baseURL`, as `user`.
    public init(baseURL: String, user: String, password: String, client: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? baseURL : baseURL + "/"
        self.authorization = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        self.client = client
    }

    /// The API from `RABBITMQ_MANAGEMENT_URL` and the administrator's credentials in its URL or in `AMQP_URL`.
    public static func fromEnvironment(_ environment: [String: String]) throws(ProvisioningError) -> ManagementAPI {
        guard let management = environment["RABBITMQ_MANAGEMENT_URL"], var url = URLComponents(string: management), url.host != nil else {
            throw ProvisioningError(.misconfigured, "RABBITMQ_MANAGEMENT_URL is not set or not a URL (it is in .local/*/stack.env)")
        }
        var user = url.user
        var password = url.password
        // A cluster's AMQP_URL names several hosts; the credentials are those of its first.
        if user == nil, let amqp = environment["AMQP_URL"].map({ AMQPURLHosts($0)?.firstHostURL ?? $0 }).flatMap(URLComponents.init(string:)) {
            user = amqp.user
            password = amqp.password
        }
        guard let user, let password else {
            throw ProvisioningError(.misconfigured, "no administrator credentials in RABBITMQ_MANAGEMENT_URL or AMQP_URL")
        }
        url.user = nil
        url.password = nil
        return ManagementAPI(baseURL: url.string ?? management, user: user.removingPercentEncoding ?? user,
                             password: password.removingPercentEncoding ?? password)
    }

    /// A path segment with everything but unreserved characters percent-encoded (`/` → `%2F`).
    public static func escape(_ segment: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }

    /// Sends `body` (JSON) to `path` and answers the status and the parsed answer (null when it is not
    /// JSON); a status outside `accept` is an error naming `what`.
    public func send(
        _ method: HTTPMethod, _ path: String, body: JSONValue? = nil, accept: Set<Int>, what: String
    ) async throws(ProvisioningError) -> (status: Int, body: JSONValue) {
        var request = HTTPClientRequest(url: baseURL + path)
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
            answer = try await response.body.collect(upTo: 1 << 22)
        } catch {
            throw ProvisioningError(.unreachable, "\(what): the management API at \(baseURL) did not answer (\(error))")
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
