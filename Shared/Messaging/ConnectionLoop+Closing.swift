import CRabbitMQ
import Foundation

extension ConnectionLoop {
    /// Drops a connection that failed and schedules the reconnect; while closing, ends the loop instead.
    func connectionLost(_ error: AMQPError) {
        let lostEndpoint = connection.configuration.endpoints[rotation.index]
        teardown()
        lastConnectError = error
        reconnectCounter.increment()
        // A connection that dies right after opening must not turn into a reconnect storm; one that lived
        // goes to the next address at once (its node is probably gone, the next one probably up).
        let livedLong = connectedSince.map({ $0.duration(to: .now) >= .seconds(2) }) ?? false
        nextConnectAttempt = .now + rotation.lost(livedLong: livedLong)
        logger.warning("AMQP connection lost; reconnecting", metadata: [
            "error": "\(error)", "amqp.broker": "\(lostEndpoint)",
            "amqp.next_broker": "\(connection.configuration.endpoints[rotation.index])",
        ])
        if closeRequest != nil {
            // Closing anyway: nothing to reconnect for. Unconfirmed publishes are reported, not dropped.
            report(confirmations.failAll(AMQPError(.shutdown, "connection lost while closing: \(error.message)")), counted: false)
            finish()
        }
    }

    /// Destroys the connection state and forgets what belonged to it (its deliveries can no longer be
    /// settled; its unconfirmed publishes stay to go out again).
    func teardown() {
        connection.isConnected.withLock { $0 = false }
        if let state {
            amqp_destroy_connection(state)
        }
        state = nil
        consumerTag = nil
        unsettled = 0
        acks.reset()
        confirmations.unblocked()
    }

    /// Closes once graceful work is done: publishes confirmed and deliveries settled, or the deadline
    /// passed (what is left is reported or redelivered by the broker).
    func closeIfDrained() throws(AMQPError) -> Bool {
        guard let request = closeRequest, let state else { return false }
        let drained: Bool
        switch connection.role {
        case .publisher: drained = confirmations.isDrained
        case .consumer: drained = consumerTag == nil && unsettled <= 0
        }
        guard !request.graceful || drained || ContinuousClock.now >= request.deadline else { return false }
        report(confirmations.failAll(AMQPError(.shutdown, "connection closed before the broker confirmed")), counted: false)
        _ = amqp_channel_close(state, channel, Int32(AMQP_REPLY_SUCCESS))
        _ = amqp_connection_close(state, Int32(AMQP_REPLY_SUCCESS))
        teardown()
        finish()
        return true
    }

    /// Ends the loop: answers every waiter, publish and command still open, then the close callers.
    func finish() {
        finished = true
        connection.deliveries?.finish()
        let error = lastConnectError ?? AMQPError(.shutdown, "connection closed")
        for waiter in connectWaiters { waiter.completion(.failure(error)) }
        connectWaiters.removeAll()
        report(confirmations.failAll(AMQPError(.shutdown, "connection closed")), counted: false)
        // Commands that raced with the close, or come later, are answered too: no caller waits forever.
        connection.closeMailbox()
        for completion in closeRequest?.completions ?? [] { completion() }
        closeRequest?.completions = []
        logger.debug("AMQP connection thread finished")
    }
}
