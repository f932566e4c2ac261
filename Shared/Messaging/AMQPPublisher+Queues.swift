extension AMQPPublisher {
    /// Takes one message from `queue` (`basic.get`, manual ack) on the publisher's connection, or nil when
    /// the queue is empty. The delivery must be settled — `ack()` to remove it, `nack(requeue: true)` to
    /// give it back — and one that is not goes back to the queue when the connection closes. For tools that
    /// move a queue's messages elsewhere (`open137 dlq`): a copy is published and confirmed on the same
    /// connection before the original is acked. A queue that does not exist fails with the broker's 404 and
    /// replaces the connection.
    public func get(from queue: String) async throws(AMQPError) -> AMQPDelivery? {
        start()
        let result: Result<AMQPDelivery?, AMQPError> = await withCheckedContinuation { continuation in
            connection.send(.get(queue: queue, completion: { continuation.resume(returning: $0) }))
        }
        return try result.get()
    }

    /// How many messages `queue` holds ready for delivery (a passive `queue.declare`: nothing changes;
    /// messages delivered and not yet acked are not counted).
    public func messageCount(of queue: String) async throws(AMQPError) -> Int {
        start()
        let result: Result<Int, AMQPError> = await withCheckedContinuation { continuation in
            connection.send(.messageCount(queue: queue, completion: { continuation.resume(returning: $0) }))
        }
        return try result.get()
    }
}
