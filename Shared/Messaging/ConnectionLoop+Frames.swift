import CRabbitMQ
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension ConnectionLoop {
    /// Reads what the broker sent; while idle, waits in `poll` on the socket and the wake pipe, and lets
    /// rabbitmq-c send heartbeats.
    func pumpFrames() throws(AMQPError) {
        guard let state else { return }
        if amqp_frames_enqueued(state) == 0 && amqp_data_in_buffer(state) == 0 {
            let timeoutMs: Int32 = confirmations.canPublish ? 0 : pollTimeoutMilliseconds()
            var fds = [
                pollfd(fd: amqp_get_sockfd(state), events: Int16(POLLIN), revents: 0),
                pollfd(fd: connection.wakePipe.read, events: Int16(POLLIN), revents: 0),
            ]
            _ = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, 2, timeoutMs) }
            if fds[0].revents == 0 {
                // Nothing was readable: this call sends a heartbeat when one is due — and if a frame arrived
                // since the poll, it is handled like any other.
                if let frame = try readFrame(state) { try handle(frame, state: state) }
                return
            }
        }
        var handled = 0
        while handled < 256, let frame = try readFrame(state) {
            try handle(frame, state: state)
            handled += 1
        }
        amqp_maybe_release_buffers(state)
    }

    /// How long `poll` may sleep: until the close deadline or the next waiting publish's deadline, and
    /// never more than 200 ms, so that expiries are noticed.
    private func pollTimeoutMilliseconds() -> Int32 {
        var timeout: Int32 = 200
        if let request = closeRequest {
            timeout = min(timeout, Self.milliseconds(until: request.deadline))
        }
        if let deadline = confirmations.nextPendingDeadline {
            timeout = min(timeout, Self.milliseconds(until: deadline))
        }
        return max(timeout, 0)
    }

    private func readFrame(_ state: amqp_connection_state_t) throws(AMQPError) -> amqp_frame_t? {
        var frame = amqp_frame_t()
        var zero = Glibc.timeval(tv_sec: 0, tv_usec: 0)
        let status = amqp_simple_wait_frame_noblock(state, &frame, &zero)
        if status == AMQP_STATUS_TIMEOUT.rawValue { return nil }
        if status != AMQP_STATUS_OK.rawValue { throw Self.statusError(status, "reading from the broker", code: .connectionClosed) }
        return frame
    }

    private func handle(_ frame: amqp_frame_t, state: amqp_connection_state_t) throws(AMQPError) {
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return }
        let method = frame.payload.method
        switch method.id {
        case AMQP_BASIC_ACK_METHOD:
            let ack = method.decoded.load(as: amqp_basic_ack_t.self)
            report(confirmations.confirm(upTo: ack.delivery_tag, multiple: ack.multiple != 0, result: .success(())))
        case AMQP_BASIC_NACK_METHOD:
            // Not reported as a failure: the channel is replaced and what it refused goes out again (still in
            // flight, like every unconfirmed publish), until its deadline. RabbitMQ 3.10 nacks every publish of
            // a channel whose first publish to a quorum queue found the queue's recorded leader on a node that
            // is down, for as long as that node stays down (rabbit_fifo_client keeps the stale leader); a fresh
            // channel reads the queue's new leader. Our topology sets no length limit, so no nack is meant to last.
            let nack = method.decoded.load(as: amqp_basic_nack_t.self)
            throw AMQPError(.nacked, "the broker refused a publish (basic.nack, tag \(nack.delivery_tag)\(nack.multiple != 0 ? " and below" : "")); resending on a fresh channel")
        case AMQP_BASIC_RETURN_METHOD:
            let returned = method.decoded.load(as: amqp_basic_return_t.self)
            let reason = "\(returned.reply_code) \(String(amqpBytes: returned.reply_text))"
            var message = amqp_message_t()
            let reply = amqp_read_message(state, frame.channel, &message, 0)
            if let error = Self.replyError(reply, "reading a returned message", code: .connectionClosed) { throw error }
            if message.properties._flags & amqp_flags_t(AMQP_BASIC_HEADERS_FLAG) != 0,
               let tag = AMQPTableReader.dictionary(message.properties.headers)[Self.publishTagHeader]?.intValue {
                confirmations.returned(tag: UInt64(truncatingIfNeeded: tag), reason: reason)
            }
            amqp_destroy_message(&message)
        case AMQP_BASIC_DELIVER_METHOD:
            let deliver = method.decoded.load(as: amqp_basic_deliver_t.self)
            var message = amqp_message_t()
            let reply = amqp_read_message(state, frame.channel, &message, 0)
            if let error = Self.replyError(reply, "reading a delivery", code: .connectionClosed) { throw error }
            defer { amqp_destroy_message(&message) }
            unsettled += 1
            acks.delivered(deliver.delivery_tag)
            let delivery = makeDelivery(
                tag: deliver.delivery_tag, exchange: deliver.exchange, routingKey: deliver.routing_key,
                redelivered: deliver.redelivered != 0, message)
            connection.deliveries?.yield(delivery)
        case AMQP_BASIC_CANCEL_OK_METHOD:
            consumerTag = nil
            connection.deliveries?.finish()
        case AMQP_BASIC_CANCEL_METHOD:
            // The broker cancelled us (queue deleted, or moved): reconnect, re-declare and consume again.
            throw AMQPError(.consumerCancelled, "the broker cancelled the consumer")
        case AMQP_CONNECTION_BLOCKED_METHOD:
            let blocked = method.decoded.load(as: amqp_connection_blocked_t.self)
            let reason = String(amqpBytes: blocked.reason)
            confirmations.blocked(reason)
            logger.warning("AMQP connection blocked by the broker; publishes wait", metadata: ["reason": "\(reason)"])
        case AMQP_CONNECTION_UNBLOCKED_METHOD:
            confirmations.unblocked()
            logger.info("AMQP connection unblocked")
        case AMQP_CHANNEL_CLOSE_METHOD:
            let close = method.decoded.load(as: amqp_channel_close_t.self)
            var ok = amqp_channel_close_ok_t(dummy: 0)
            _ = amqp_send_method(state, frame.channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok)
            let text = String(amqpBytes: close.reply_text)
            let error = AMQPError(.serverException, "channel closed by the broker: \(text)", replyCode: close.reply_code)
            if close.class_id == 60, close.method_id == 40, let exchange = Self.exchange(namedIn: text) {
                // A publish the broker refuses outright (missing exchange, no permission) would close every
                // new channel again: fail the publishes to that exchange instead of retrying them.
                report(confirmations.fail(publishesTo: exchange, error))
            }
            throw error
        case AMQP_CONNECTION_CLOSE_METHOD:
            let close = method.decoded.load(as: amqp_connection_close_t.self)
            var ok = amqp_connection_close_ok_t(dummy: 0)
            _ = amqp_send_method(state, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok)
            throw AMQPError(.connectionClosed, "connection closed by the broker: \(String(amqpBytes: close.reply_text))", replyCode: close.reply_code)
        default:
            break
        }
    }

    /// The exchange a channel close's reply text names (`… exchange 'name' …`), if any.
    static func exchange(namedIn text: String) -> String? {
        guard let start = text.range(of: "exchange '"), let end = text[start.upperBound...].firstIndex(of: "'") else { return nil }
        return String(text[start.upperBound..<end])
    }
}
