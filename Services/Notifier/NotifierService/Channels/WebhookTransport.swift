import AsyncHTTPClient
import Foundation
import NIOCore

/// Webhooks: the event's JSON POSTed byte for byte as received, signed (`Open137-Signature`) with the
/// subscription's secret at the time of each attempt, with `Open137-Event-Id` and `Idempotency-Key`.
public struct WebhookTransport: NotificationTransport {
    /// The HTTP client.
    public let client: HTTPClient
    /// One send's limit.
    public let timeout: Duration

    /// Creates a transport.
    public init(client: HTTPClient, timeout: Duration) {
        self.client = client
        self.timeout = timeout
    }

    public func send(_ notification: ClaimedNotification) async -> SendOutcome {
        guard let secret = notification.secret else {
            return .permanent(reason: "the webhook subscription was removed")
        }
        let body = Array(notification.body.utf8)
        var request = HTTPClientRequest(url: notification.recipient)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/cloudevents+json; charset=utf-8")
        request.headers.add(name: WebhookSignature.header, value: WebhookSignature.header(secret: secret, timestamp: Int(Date().timeIntervalSince1970), body: body))
        request.headers.add(name: WebhookSignature.eventIDHeader, value: notification.eventID)
        request.headers.add(name: "Idempotency-Key", value: notification.idempotencyKey)
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
            let answer = try await response.body.collect(upTo: 16 * 1024)
            return HTTPStatusOutcome.outcome(status: response.status.code, gatewayID: nil, body: String(buffer: answer))
        } catch {
            return HTTPStatusOutcome.outcome(error: error)
        }
    }
}
