import CRabbitMQ
import Foundation

extension ConnectionLoop {
    /// Takes one message from `queue` with `basic.get` (manual ack), settled like a consumer's delivery;
    /// nil when the queue is empty. A failed RPC leaves the channel closed (a missing queue is a 404 channel
    /// close), so the connection is replaced: what it held unsettled goes back to its queue.
    func basicGet(_ queue: String) -> Result<AMQPDelivery?, AMQPError> {
        guard let state else { return .failure(AMQPError(.notConnected, "not connected to the broker")) }
        let reply = queue.withAMQPBytes { amqp_basic_get(state, channel, $0, 0) }
        if let error = Self.replyError(reply, "getting a message from \(queue)") {
            connectionLost(error)
            return .failure(error)
        }
        guard reply.reply.id == AMQP_BASIC_GET_OK_METHOD else { return .success(nil) }
        let ok = reply.reply.decoded.load(as: amqp_basic_get_ok_t.self)
        var message = amqp_message_t()
        let read = amqp_read_message(state, channel, &message, 0)
        if let error = Self.replyError(read, "reading a message from \(queue)", code: .connectionClosed) {
            connectionLost(error)
            return .failure(error)
        }
        defer { amqp_destroy_message(&message) }
        unsettled += 1
        acks.delivered(ok.delivery_tag)
        return .success(makeDelivery(
            tag: ok.delivery_tag, exchange: ok.exchange, routingKey: ok.routing_key, redelivered: ok.redelivered != 0, message))
    }

    /// The ready messages of `queue` from a passive `queue.declare`. A missing queue closes the channel
    /// (404), so the connection is replaced, as in `basicGet`.
    func passiveDeclare(_ queue: String) -> Result<Int, AMQPError> {
        guard let state else { return .failure(AMQPError(.notConnected, "not connected to the broker")) }
        let ok = queue.withAMQPBytes { amqp_queue_declare(state, channel, $0, 1, 0, 0, 0, amqp_empty_table) }
        if let error = Self.replyError(amqp_get_rpc_reply(state), "inspecting queue \(queue)") {
            connectionLost(error)
            return .failure(error)
        }
        guard let ok else { return .failure(AMQPError(.protocolError, "queue.declare-ok for \(queue) missing")) }
        return .success(Int(ok.pointee.message_count))
    }

    /// Sends the acks of this pass, coalesced. A failed write means the connection is gone: the broker
    /// redelivers what it did not see acked (consumers are idempotent), and the next read reconnects.
    func flushAcks() {
        guard acks.hasPendingAcks, let state else { return }
        let flush = acks.flush()
        var status = AMQP_STATUS_OK.rawValue
        if let tag = flush.multipleUpTo { status = amqp_basic_ack(state, channel, tag, 1) }
        for tag in flush.singles where status == AMQP_STATUS_OK.rawValue {
            status = amqp_basic_ack(state, channel, tag, 0)
        }
        if status != AMQP_STATUS_OK.rawValue {
            logger.debug("acks could not be written; the broker redelivers", metadata: ["error": "\(Self.statusError(status, "acking"))"])
        }
    }

    /// Settles delivery `tag` of connection `generation`: an ack waits for this pass's `flushAcks`, the
    /// rest are written now. A delivery of a connection that is gone cannot be settled.
    func settle(_ settlement: Settlement, tag: UInt64, generation: UInt64) -> Result<Void, AMQPError> {
        guard let state, generation == self.generation else {
            return .failure(AMQPError(.staleDelivery, "delivery \(tag) belongs to a connection that is gone; the broker redelivers it"))
        }
        let status: Int32
        switch settlement {
        case .ack:
            acks.ack(tag)
            unsettled -= 1
            return .success(())
        case .requeue: status = amqp_basic_nack(state, channel, tag, 0, 1)
        case .deadLetter: status = amqp_basic_nack(state, channel, tag, 0, 0)
        case .reject: status = amqp_basic_reject(state, channel, tag, 0)
        }
        if status != AMQP_STATUS_OK.rawValue {
            return .failure(Self.statusError(status, "settling delivery \(tag)"))
        }
        acks.settledAlone(tag)
        unsettled -= 1
        return .success(())
    }

    /// Cancels the subscription (once); without one, ends the deliveries at once.
    func stopConsuming() {
        guard !consumingStopped else { return }
        consumingStopped = true
        if let state, let tag = consumerTag {
            // nowait cancel: deliveries already on the wire still arrive and are handed out; the stream ends
            // once the broker confirms the cancel (or the connection closes).
            tag.withAMQPBytes { tagBytes in
                var method = amqp_basic_cancel_t(consumer_tag: tagBytes, nowait: 0)
                _ = amqp_send_method(state, channel, AMQP_BASIC_CANCEL_METHOD, &method)
            }
        } else {
            connection.deliveries?.finish()
        }
    }

    /// A delivery copied out of rabbitmq-c's `message` (which is freed after this), settled through
    /// this connection's generation.
    func makeDelivery(
        tag: UInt64, exchange: amqp_bytes_t, routingKey: amqp_bytes_t, redelivered: Bool, _ message: amqp_message_t
    ) -> AMQPDelivery {
        let properties = message.properties
        func property(_ flag: Int32, _ bytes: amqp_bytes_t) -> String? {
            properties._flags & amqp_flags_t(flag) != 0 ? String(amqpBytes: bytes) : nil
        }
        let body: [UInt8] = message.body.len == 0 ? [] : Array(UnsafeRawBufferPointer(start: message.body.bytes, count: message.body.len))
        return AMQPDelivery(
            body: body,
            exchange: String(amqpBytes: exchange),
            routingKey: String(amqpBytes: routingKey),
            messageID: property(AMQP_BASIC_MESSAGE_ID_FLAG, properties.message_id),
            correlationID: property(AMQP_BASIC_CORRELATION_ID_FLAG, properties.correlation_id),
            replyTo: property(AMQP_BASIC_REPLY_TO_FLAG, properties.reply_to),
            contentType: property(AMQP_BASIC_CONTENT_TYPE_FLAG, properties.content_type),
            type: property(AMQP_BASIC_TYPE_FLAG, properties.type),
            headers: properties._flags & amqp_flags_t(AMQP_BASIC_HEADERS_FLAG) != 0 ? AMQPTableReader.dictionary(properties.headers) : [:],
            redelivered: redelivered,
            deliveryTag: tag,
            generation: generation,
            settler: connection
        )
    }
}
