import CRabbitMQ
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension ConnectionLoop {
    /// The header a mandatory publish carries its publish tag in, so that a `basic.return` names the very
    /// publish it returns (the return has no delivery tag of its own).
    static let publishTagHeader = "x-open137-publish-tag"

    /// Writes what the confirm window lets out. A failed write means the socket is gone: the publish
    /// stays queued and goes out again after the reconnect.
    func sendPendingPublishes() throws(AMQPError) {
        guard let state, case .publisher = connection.role else { return }
        while let (tag, request) = confirmations.next {
            let status = Self.publish(request.message, tag: tag, state: state, channel: channel)
            if status != AMQP_STATUS_OK.rawValue {
                throw Self.statusError(status, "publishing to \(request.message.exchange)")
            }
            confirmations.published()
        }
    }

    /// Reports publishes that ended to their callers; `counted` adds them to the publish metrics (a close
    /// fails what is left without counting it as a failure of the broker).
    func report(_ outcomes: [PublishConfirmations.Outcome], counted: Bool = true) {
        for outcome in outcomes {
            if counted {
                if case .success = outcome.result { publishedCounter.increment() } else { failedCounter.increment() }
            }
            outcome.request.completion(outcome.result)
        }
    }

    /// `basic.publish` of `message` as persistent with its properties and headers; a mandatory one carries
    /// its publish `tag` in ``publishTagHeader``. The rabbitmq-c status of the write.
    static func publish(_ message: OutgoingMessage, tag: UInt64, state: amqp_connection_state_t, channel: amqp_channel_t) -> Int32 {
        var arena = CStringArena()
        defer { arena.free() }
        var properties = amqp_basic_properties_t()
        var flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG | AMQP_BASIC_TIMESTAMP_FLAG
        properties.content_type = arena.bytes(message.contentType)
        properties.delivery_mode = message.persistent ? 2 : 1
        properties.message_id = arena.bytes(message.messageID)
        properties.timestamp = UInt64(time(nil))
        if let correlationID = message.correlationID {
            flags |= AMQP_BASIC_CORRELATION_ID_FLAG
            properties.correlation_id = arena.bytes(correlationID)
        }
        if let replyTo = message.replyTo {
            flags |= AMQP_BASIC_REPLY_TO_FLAG
            properties.reply_to = arena.bytes(replyTo)
        }
        if let type = message.type {
            flags |= AMQP_BASIC_TYPE_FLAG
            properties.type = arena.bytes(type)
        }
        var builder = AMQPTableBuilder()
        defer { builder.free() }
        var headers = message.headers
        if message.mandatory { headers[publishTagHeader] = .int(Int64(truncatingIfNeeded: tag)) }
        if !headers.isEmpty {
            flags |= AMQP_BASIC_HEADERS_FLAG
            properties.headers = builder.table(headers)
        }
        properties._flags = amqp_flags_t(flags)
        let exchange = arena.bytes(message.exchange)
        let routingKey = arena.bytes(message.routingKey)
        return message.body.withUnsafeBytes { body in
            let bytes = amqp_bytes_t(len: body.count, bytes: UnsafeMutableRawPointer(mutating: body.baseAddress))
            return amqp_basic_publish(state, channel, exchange, routingKey, message.mandatory ? 1 : 0, 0, &properties, bytes)
        }
    }
}
