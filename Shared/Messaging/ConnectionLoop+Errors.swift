import CRabbitMQ
import Foundation

#if canImport(Glibc)
import Glibc
#endif

// rabbitmq-c status codes and RPC replies become `AMQPError` here and nowhere else, so that callers
// switch on one error type and never see a C enum.
extension ConnectionLoop {
    /// A rabbitmq-c status code as an `AMQPError`, with what was being done.
    static func statusError(_ status: Int32, _ context: String, code: AMQPError.Code = .socketError) -> AMQPError {
        let text = amqp_error_string2(status).map { String(cString: $0) } ?? "status \(status)"
        let mapped: AMQPError.Code
        switch status {
        case AMQP_STATUS_TIMEOUT.rawValue: mapped = .timeout
        case AMQP_STATUS_CONNECTION_CLOSED.rawValue, AMQP_STATUS_SOCKET_CLOSED.rawValue, AMQP_STATUS_HEARTBEAT_TIMEOUT.rawValue:
            mapped = .connectionClosed
        default: mapped = code
        }
        return AMQPError(mapped, "\(context): \(text)")
    }

    /// An RPC reply as an `AMQPError`, or nil when it is normal.
    static func replyError(_ reply: amqp_rpc_reply_t, _ context: String, code: AMQPError.Code = .serverException) -> AMQPError? {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return nil
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            return statusError(reply.library_error, context, code: code)
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            switch reply.reply.id {
            case AMQP_CHANNEL_CLOSE_METHOD:
                let close = reply.reply.decoded.load(as: amqp_channel_close_t.self)
                return AMQPError(code, "\(context): \(String(amqpBytes: close.reply_text))", replyCode: close.reply_code)
            case AMQP_CONNECTION_CLOSE_METHOD:
                let close = reply.reply.decoded.load(as: amqp_connection_close_t.self)
                return AMQPError(code, "\(context): \(String(amqpBytes: close.reply_text))", replyCode: close.reply_code)
            default:
                return AMQPError(code, "\(context): server exception \(reply.reply.id)")
            }
        default:
            return AMQPError(code, "\(context): no reply")
        }
    }

    /// A duration as a C `timeval`.
    static func timeValue(_ duration: Duration) -> Glibc.timeval {
        let (seconds, attoseconds) = duration.components
        return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }

    /// Milliseconds from now until `instant`, at least 0, for `poll`.
    static func milliseconds(until instant: ContinuousClock.Instant) -> Int32 {
        let remaining = ContinuousClock.now.duration(to: instant)
        let (seconds, attoseconds) = remaining.components
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(ms, 0))
    }
}
