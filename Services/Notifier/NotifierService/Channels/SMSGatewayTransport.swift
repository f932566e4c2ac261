import AsyncHTTPClient
import Foundation
import JSON
import NIOCore
import NIOHTTP1

/// SMS through the HTTP gateway: `POST <base>/messages` with `{"to", "text", "reference"}`, a Bearer key and
/// an `Idempotency-Key` (the notification's key, so a retried send is one SMS at a gateway that honours
/// it). A 2xx answer's `id` (or `message_id`) is stored as the gateway's id.
public struct SMSGatewayTransport: NotificationTransport {
    /// The HTTP client (shared, shut down by the service group).
    public let client: HTTPClient
    /// The gateway.
    public let configuration: SMSGatewayConfiguration
    /// One send's limit.
    public let timeout: Duration

    /// Creates a transport.
    public init(client: HTTPClient, configuration: SMSGatewayConfiguration, timeout: Duration) {
        self.client = client
        self.configuration = configuration
        self.timeout = timeout
    }

    public func send(_ notification: ClaimedNotification) async -> SendOutcome {
        let payload: JSONValue = .object([
            "to": .string(notification.recipient), "text": .string(notification.body), "reference": .string(notification.idempotencyKey),
        ])
        var request = HTTPClientRequest(url: configuration.messagesURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.apiKey)")
        request.headers.add(name: "Idempotency-Key", value: notification.idempotencyKey)
        do {
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(payload)))
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
            let body = try await response.body.collect(upTo: 64 * 1024)
            var gatewayID: String?
            if case .object(let members)? = try? JSONValue.parse(Array(buffer: body)) {
                for key in ["id", "message_id"] {
                    switch members[key] {
                    case .string(let id)?: gatewayID = id
                    case .number(let id)?: gatewayID = String(Int64(id))
                    default: break
                    }
                    if gatewayID != nil { break }
                }
            }
            return HTTPStatusOutcome.outcome(status: response.status.code, gatewayID: gatewayID, body: String(buffer: body))
        } catch {
            return HTTPStatusOutcome.outcome(error: error)
        }
    }
}
