/// E-mail to the reporter over SMTP.
public struct EmailTransport: NotificationTransport {
    /// The SMTP client.
    public let client: SMTPClient

    /// Creates a transport.
    public init(client: SMTPClient) {
        self.client = client
    }

    public func send(_ notification: ClaimedNotification) async -> SendOutcome {
        let data = SMTPMessage.data(
            from: client.configuration.from, to: notification.recipient, subject: notification.subject ?? "Open137",
            body: notification.body, messageID: notification.idempotencyKey)
        do {
            let reply = try await client.send(to: notification.recipient, data: data)
            return .sent(gatewayID: String(reply.prefix(200)))
        } catch let error as SMTPError {
            return error.transient ? .retry(reason: "SMTP \(error)") : .permanent(reason: "SMTP \(error)")
        } catch {
            return .retry(reason: "SMTP \(type(of: error))")
        }
    }
}
