extension AMQPDelivery {
    /// Header carrying why a consumer dead-lettered a message (machine-readable code).
    public static let reasonCodeHeader = "x-open137-reason-code"
    /// Header carrying a human-readable reason (no personal data).
    public static let reasonHeader = "x-open137-reason"
    /// Header carrying the exchange the dead-lettered message was delivered from.
    public static let originalExchangeHeader = "x-open137-original-exchange"
    /// Header carrying the routing key the dead-lettered message was delivered with.
    public static let originalRoutingKeyHeader = "x-open137-original-routing-key"

    /// Sends this message, body intact, to `exchange` with routing key `routingKey` and the reason in
    /// headers — then acks it. Used for bad messages that must not be retried: the reason travels with
    /// them to the dead-letter queue. Nothing is lost: the ack comes only after the broker confirmed the copy.
    public func deadLetter(
        to exchange: String,
        routingKey: String,
        reasonCode: String,
        reason: String,
        publisher: some MessagePublishing
    ) async throws(AMQPError) {
        var headers = self.headers
        headers[Self.reasonCodeHeader] = .string(reasonCode)
        headers[Self.reasonHeader] = .string(reason)
        // Where the message came from, so `open137 dlq replay` can send it back: the exchange and routing
        // key it was delivered with (a retried message arrives through the default exchange with its queue's
        // name as key; the worker's retry headers keep the first ones).
        headers[Self.originalExchangeHeader] = .string(self.exchange)
        headers[Self.originalRoutingKeyHeader] = .string(self.routingKey)
        let copy = OutgoingMessage(
            exchange: exchange,
            routingKey: routingKey,
            body: body,
            messageID: messageID,
            contentType: contentType ?? "application/octet-stream",
            correlationID: correlationID,
            replyTo: replyTo,
            type: type,
            headers: headers
        )
        try await publisher.publish(copy)
        try await ack()
    }
}
