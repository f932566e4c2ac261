import CRabbitMQ
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension ConnectionLoop {
    /// The limits a live connection runs with, read back from the socket and rabbitmq-c (for tests and
    /// diagnostics): proof that a half-open peer cannot hold the connection thread for ever.
    struct Limits: Sendable, Equatable {
        /// `TCP_USER_TIMEOUT` of the socket, in milliseconds.
        var tcpUserTimeoutMilliseconds: Int
        /// Whether `SO_KEEPALIVE` is on.
        var keepAlive: Bool
        /// rabbitmq-c's limit for each RPC; nil means none.
        var rpcTimeout: Duration?
        /// rabbitmq-c's limit for the login handshake; nil means none.
        var handshakeTimeout: Duration?
    }

    /// Sets rabbitmq-c's own limits on a new connection state, before login: the handshake (a server that
    /// accepts TCP and never speaks AMQP) and every later RPC (a broker that never answers a declare).
    /// Writes are not covered by either: rabbitmq-c sends with no deadline (see `bindSocket`).
    static func setProtocolLimits(_ state: amqp_connection_state_t, _ config: AMQPConfiguration) throws(AMQPError) {
        var handshake = timeValue(config.connectTimeout)
        var rpc = timeValue(config.rpcTimeout)
        let statuses = [amqp_set_handshake_timeout(state, &handshake), amqp_set_rpc_timeout(state, &rpc)]
        if let failed = statuses.first(where: { $0 != AMQP_STATUS_OK.rawValue }) {
            throw statusError(failed, "setting the handshake and RPC timeouts", code: .connectionFailed)
        }
    }

    /// Bounds writes on the connection's socket. rabbitmq-c's socket is non-blocking and a publish or ack
    /// waits in `poll` for it to drain with no deadline, so `SO_SNDTIMEO` would change nothing; instead
    /// `TCP_USER_TIMEOUT` makes the kernel kill the connection once sent data stays unacknowledged (or the
    /// peer's window stays shut) past `socketTimeout`, which ends that wait with an error and the loop
    /// reconnects. Keepalive probes cover an idle connection when heartbeats are off.
    static func bindSocket(_ fd: Int32, _ config: AMQPConfiguration) throws(AMQPError) {
        let userTimeout = milliseconds(config.socketTimeout)
        let idleSeconds = Int32(clamping: max(1, userTimeout / 1000))
        let options: [(level: Int32, name: Int32, value: Int32, label: String)] = [
            (Int32(IPPROTO_TCP), TCP_USER_TIMEOUT, Int32(clamping: userTimeout), "TCP_USER_TIMEOUT"),
            (SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE"),
            (Int32(IPPROTO_TCP), TCP_KEEPIDLE, idleSeconds, "TCP_KEEPIDLE"),
            (Int32(IPPROTO_TCP), TCP_KEEPINTVL, max(1, idleSeconds / 3), "TCP_KEEPINTVL"),
        ]
        for option in options {
            var value = option.value
            if setsockopt(fd, option.level, option.name, &value, socklen_t(MemoryLayout<Int32>.size)) != 0 {
                throw AMQPError(.connectionFailed, "setting \(option.label) on the broker socket: errno \(errno)")
            }
        }
    }

    /// The limits of the open connection `state`.
    static func limits(of state: amqp_connection_state_t) -> Result<Limits, AMQPError> {
        let fd = amqp_get_sockfd(state)
        func read(_ level: Int32, _ name: Int32) -> Int32? {
            var value: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            return getsockopt(fd, level, name, &value, &length) == 0 ? value : nil
        }
        guard let userTimeout = read(Int32(IPPROTO_TCP), TCP_USER_TIMEOUT), let keepAlive = read(SOL_SOCKET, SO_KEEPALIVE) else {
            return .failure(AMQPError(.socketError, "reading the broker socket's options: errno \(errno)"))
        }
        func duration(_ time: UnsafeMutablePointer<Glibc.timeval>?) -> Duration? {
            time.map { .seconds($0.pointee.tv_sec) + .microseconds($0.pointee.tv_usec) }
        }
        return .success(Limits(
            tcpUserTimeoutMilliseconds: Int(userTimeout), keepAlive: keepAlive != 0,
            rpcTimeout: duration(amqp_get_rpc_timeout(state)), handshakeTimeout: duration(amqp_get_handshake_timeout(state))))
    }

    /// A duration in whole milliseconds.
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
