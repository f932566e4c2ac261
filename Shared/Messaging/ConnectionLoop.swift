import CRabbitMQ
import Foundation
import Logging
import Metrics

#if canImport(Glibc)
import Glibc
#endif

/// The thread-confined half of `AMQPConnection`: it alone touches rabbitmq-c. It connects, declares the
/// topology, publishes with pipelined confirms or consumes, keeps heartbeats going while idle, and
/// reconnects with backoff. Every C status code becomes an `AMQPError` in this file and nowhere else.
final class ConnectionLoop {
    private let connection: AMQPConnection
    private let logger: Logger
    private let channel: amqp_channel_t = 1
    private var state: amqp_connection_state_t?
    /// Bumped on every new connection; deliveries and acks of an older one are stale.
    private var generation: UInt64 = 0
    private var lastConnectError: AMQPError?
    private var reconnectDelay: Duration
    private var nextConnectAttempt = ContinuousClock.now
    private var connectedSince: ContinuousClock.Instant?

    // Publisher state
    private var pending: [PublishRequest] = []
    private var pendingHead = 0
    private var inflight: [UInt64: PublishRequest] = [:]
    private var lowestUnconfirmed: UInt64 = 1
    private var nextTag: UInt64 = 1
    /// Publishes the broker returned (`basic.return`, mandatory and unroutable), by their publish tag, until
    /// their confirm arrives; matched by the tag carried in ``publishTagHeader``, never by `message_id`,
    /// which two messages may share (the router's unit delivery and its council copy do).
    private var returnedTags: [UInt64: String] = [:]
    private var blockedReason: String?
    private let confirmWindow: Int

    // Consumer state
    private var consumerTag: String?
    private var unsettled = 0
    private var consumingStopped = false
    private var acks = AckCoalescer()

    // Shutdown and waiters
    private var closeRequest: (graceful: Bool, completions: [@Sendable () -> Void], deadline: ContinuousClock.Instant)?
    private var connectWaiters: [(deadline: ContinuousClock.Instant, completion: @Sendable (Result<Void, AMQPError>) -> Void)] = []
    private var finished = false

    private let publishedCounter: Counter
    private let failedCounter: Counter
    private let reconnectCounter: Counter

    /// A loop for `connection`; created on, and used only by, the connection's own thread.
    init(connection: AMQPConnection) {
        self.connection = connection
        var logger = connection.logger
        logger[metadataKey: "amqp.connection"] = "\(connection.configuration.connectionName)"
        self.logger = logger
        self.reconnectDelay = connection.configuration.initialReconnectDelay
        if case .publisher(let window) = connection.role {
            confirmWindow = max(1, window)
        } else {
            confirmWindow = 0
        }
        let dims = [("connection", connection.configuration.connectionName)]
        publishedCounter = Counter(label: "open137_amqp_published_total", dimensions: dims)
        failedCounter = Counter(label: "open137_amqp_publish_failures_total", dimensions: dims)
        reconnectCounter = Counter(label: "open137_amqp_reconnects_total", dimensions: dims)
    }

    // MARK: - The loop

    /// Runs until the connection is closed: connect, serve commands and frames, reconnect on loss.
    func run() {
        while !finished {
            handleCommands(connection.takeCommands())
            failExpiredPublishes()
            if finished { break }
            if state == nil {
                if closeRequest != nil {
                    finish()
                    break
                }
                if ContinuousClock.now >= nextConnectAttempt {
                    connect()
                } else {
                    waitForWake(until: nextConnectAttempt)
                }
                continue
            }
            do {
                try sendPendingPublishes()
                if try closeIfDrained() { break }
                try pumpFrames()
            } catch {
                connectionLost(error)
            }
        }
    }

    // MARK: - Commands

    private func handleCommands(_ commands: [AMQPConnection.Command]) {
        for command in commands {
            switch command {
            case .publish(let request):
                if closeRequest != nil {
                    request.completion(.failure(AMQPError(.shutdown, "publisher is closing")))
                } else {
                    pending.append(request)
                }
            case .settle(let settlement, let tag, let generation, let completion):
                completion(settle(settlement, tag: tag, generation: generation))
            case .close(let graceful, let completion):
                if var request = closeRequest {
                    request.completions.append(completion)
                    request.graceful = request.graceful && graceful
                    closeRequest = request
                } else {
                    closeRequest = (graceful, [completion], .now + .seconds(10))
                }
                if !graceful {
                    failAllPublishes(AMQPError(.shutdown, "connection closed by its owner"))
                }
                stopConsuming()
            case .awaitConnected(let deadline, let completion):
                if state != nil {
                    completion(.success(()))
                } else if let lastConnectError, closeRequest != nil {
                    completion(.failure(lastConnectError))
                } else {
                    connectWaiters.append((deadline, completion))
                }
            case .get(let queue, let completion):
                completion(basicGet(queue))
            case .messageCount(let queue, let completion):
                completion(passiveDeclare(queue))
            case .limits(let completion):
                completion(state.map { Self.limits(of: $0) } ?? .failure(AMQPError(.notConnected, "not connected to the broker")))
            }
        }
        flushAcks()
    }

    /// Takes one message from `queue` with `basic.get` (manual ack), settled like a consumer's delivery;
    /// nil when the queue is empty. A failed RPC leaves the channel closed (a missing queue is a 404 channel
    /// close), so the connection is replaced: what it held unsettled goes back to its queue.
    private func basicGet(_ queue: String) -> Result<AMQPDelivery?, AMQPError> {
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
    private func passiveDeclare(_ queue: String) -> Result<Int, AMQPError> {
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
    private func flushAcks() {
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

    private func settle(_ settlement: Settlement, tag: UInt64, generation: UInt64) -> Result<Void, AMQPError> {
        guard let state, generation == self.generation else {
            return .failure(AMQPError(.staleDelivery, "delivery \(tag) belongs to a connection that is gone; the broker redelivers it"))
        }
        let status: Int32
        switch settlement {
        case .ack:
            // Written at the end of this pass, with the others (`flushAcks`).
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

    private func stopConsuming() {
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

    // MARK: - Connecting

    private func connect() {
        let config = connection.configuration
        do {
            let newState = try open(config)
            state = newState
            generation += 1
            try declare(connection.topology)
            try prepareRole()
            lastConnectError = nil
            connection.connectCount.withLock { $0 += 1 }
            connection.isConnected.withLock { $0 = true }
            connectedSince = .now
            logger.info("AMQP connected", metadata: ["amqp.broker": "\(config.host):\(config.port)", "amqp.generation": "\(generation)"])
            for waiter in connectWaiters { waiter.completion(.success(())) }
            connectWaiters.removeAll()
        } catch {
            teardown()
            lastConnectError = error
            if generation > 0 { reconnectCounter.increment() }
            logger.warning("AMQP connect failed; retrying", metadata: ["error": "\(error)", "retry_in": "\(reconnectDelay)"])
            let jitter = Double.random(in: 0.8...1.2)
            nextConnectAttempt = .now + reconnectDelay * jitter
            reconnectDelay = min(reconnectDelay * 2, config.maximumReconnectDelay)
            if closeRequest != nil {
                for waiter in connectWaiters { waiter.completion(.failure(error)) }
                connectWaiters.removeAll()
            }
        }
    }

    private func open(_ config: AMQPConfiguration) throws(AMQPError) -> amqp_connection_state_t {
        guard let newState = amqp_new_connection() else {
            throw AMQPError(.connectionFailed, "amqp_new_connection returned nil")
        }
        do {
            try Self.setProtocolLimits(newState, config)
        } catch {
            amqp_destroy_connection(newState)
            throw error
        }
        guard let socket = amqp_tcp_socket_new(newState) else {
            amqp_destroy_connection(newState)
            throw AMQPError(.connectionFailed, "amqp_tcp_socket_new returned nil")
        }
        var timeout = Self.timeValue(config.connectTimeout)
        let openStatus = amqp_socket_open_noblock(socket, config.host, Int32(config.port), &timeout)
        if openStatus != AMQP_STATUS_OK.rawValue {
            amqp_destroy_connection(newState)
            throw Self.statusError(openStatus, "connecting to \(config.host):\(config.port)", code: .connectionFailed)
        }
        do {
            try Self.bindSocket(amqp_get_sockfd(newState), config)
        } catch {
            amqp_destroy_connection(newState)
            throw error
        }
        let login = open137_login(
            newState, config.vhost, 0, 131_072, Int32(config.heartbeatSeconds),
            config.user, config.password, config.connectionName)
        if let error = Self.replyError(login, "login as \(config.user) to vhost \(config.vhost)", code: .connectionFailed) {
            amqp_destroy_connection(newState)
            throw error
        }
        amqp_channel_open(newState, channel)
        if let error = Self.replyError(amqp_get_rpc_reply(newState), "opening channel", code: .connectionFailed) {
            amqp_destroy_connection(newState)
            throw error
        }
        return newState
    }

    private func declare(_ topology: Topology) throws(AMQPError) {
        guard let state else { throw AMQPError(.notConnected, "no connection") }
        for exchange in topology.exchanges {
            exchange.name.withAMQPBytes { name in
                exchange.kind.rawValue.withAMQPBytes { kind in
                    _ = amqp_exchange_declare(state, channel, name, kind, 0, 1, 0, 0, amqp_empty_table)
                }
            }
            if let error = Self.replyError(amqp_get_rpc_reply(state), "declaring exchange \(exchange.name)", code: .declareFailed) {
                throw error
            }
        }
        for queue in topology.queues {
            AMQPTableBuilder.with(queue.arguments) { arguments in
                queue.name.withAMQPBytes { name in
                    _ = amqp_queue_declare(state, channel, name, 0, 1, 0, 0, arguments)
                }
            }
            if let error = Self.replyError(amqp_get_rpc_reply(state), "declaring queue \(queue.name)", code: .declareFailed) {
                throw error
            }
        }
        for binding in topology.bindings {
            binding.queue.withAMQPBytes { queue in
                binding.exchange.withAMQPBytes { exchange in
                    binding.routingKey.withAMQPBytes { key in
                        _ = amqp_queue_bind(state, channel, queue, exchange, key, amqp_empty_table)
                    }
                }
            }
            if let error = Self.replyError(amqp_get_rpc_reply(state), "binding \(binding.queue) to \(binding.exchange) with \(binding.routingKey)", code: .declareFailed) {
                throw error
            }
        }
    }

    private func prepareRole() throws(AMQPError) {
        guard let state else { throw AMQPError(.notConnected, "no connection") }
        switch connection.role {
        case .publisher:
            amqp_confirm_select(state, channel)
            if let error = Self.replyError(amqp_get_rpc_reply(state), "enabling publisher confirms") { throw error }
            nextTag = 1
            lowestUnconfirmed = 1
            // Whatever was in flight on the old connection is published again: unconfirmed means the broker
            // may not have it. Consumers are idempotent on the message id, so a duplicate is harmless.
            let retry = inflight.sorted { $0.key < $1.key }.map(\.value)
            inflight.removeAll()
            returnedTags.removeAll()
            pending.replaceSubrange(0..<pendingHead, with: retry)
            pendingHead = 0
            blockedReason = nil
        case .consumer(let queue, let prefetch):
            guard !consumingStopped else { return }
            amqp_basic_qos(state, channel, 0, prefetch, 0)
            if let error = Self.replyError(amqp_get_rpc_reply(state), "setting prefetch \(prefetch)") { throw error }
            var reply: UnsafeMutablePointer<amqp_basic_consume_ok_t>?
            queue.withAMQPBytes { name in
                reply = amqp_basic_consume(state, channel, name, amqp_empty_bytes, 0, 0, 0, amqp_empty_table)
            }
            if let error = Self.replyError(amqp_get_rpc_reply(state), "consuming from \(queue)") { throw error }
            consumerTag = reply.map { String(amqpBytes: $0.pointee.consumer_tag) }
            unsettled = 0
            acks.reset()
        }
    }

    // MARK: - Publishing

    private func sendPendingPublishes() throws(AMQPError) {
        guard let state, case .publisher = connection.role, blockedReason == nil else { return }
        while pendingHead < pending.count, inflight.count < confirmWindow {
            let request = pending[pendingHead]
            pendingHead += 1
            let tag = nextTag
            let status = Self.publish(request.message, tag: tag, state: state, channel: channel)
            if status != AMQP_STATUS_OK.rawValue {
                // The socket is gone; this message goes out again after the reconnect.
                pendingHead -= 1
                throw Self.statusError(status, "publishing to \(request.message.exchange)")
            }
            nextTag += 1
            inflight[tag] = request
        }
        if pendingHead > 1024, pendingHead * 2 > pending.count {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
    }

    /// The header a mandatory publish carries its publish tag in, so that a `basic.return` names the very
    /// publish it returns (the return has no delivery tag of its own).
    static let publishTagHeader = "x-open137-publish-tag"

    private static func publish(_ message: OutgoingMessage, tag: UInt64, state: amqp_connection_state_t, channel: amqp_channel_t) -> Int32 {
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

    private func confirm(upTo tag: UInt64, multiple: Bool, result: Result<Void, AMQPError>) {
        func complete(_ tag: UInt64) {
            guard let entry = inflight.removeValue(forKey: tag) else { return }
            let returned = returnedTags.removeValue(forKey: tag)
            if case .success = result, let reason = returned {
                failedCounter.increment()
                entry.completion(.failure(AMQPError(.unroutable, "no queue is bound for \(entry.message.exchange) / \(entry.message.routingKey): \(reason)", replyCode: 312)))
                return
            }
            if case .success = result { publishedCounter.increment() } else { failedCounter.increment() }
            entry.completion(result)
        }
        if multiple {
            var next = lowestUnconfirmed
            while next <= tag {
                complete(next)
                next += 1
            }
        } else {
            complete(tag)
        }
        advanceLowestUnconfirmed()
    }

    /// Moves `lowestUnconfirmed` past tags that are no longer in flight.
    private func advanceLowestUnconfirmed() {
        while lowestUnconfirmed < nextTag, inflight[lowestUnconfirmed] == nil {
            lowestUnconfirmed += 1
        }
    }

    private func failExpiredPublishes() {
        let now = ContinuousClock.now
        if connectWaiters.contains(where: { $0.deadline <= now }) {
            let error = lastConnectError ?? AMQPError(.timeout, "not connected before the deadline")
            for waiter in connectWaiters where waiter.deadline <= now { waiter.completion(.failure(error)) }
            connectWaiters.removeAll { $0.deadline <= now }
        }
        guard case .publisher = connection.role else { return }
        // One publisher has one publish timeout and publishes (and retries) in order, so deadlines never
        // decrease along `inflight` (by tag) and then `pending`: the expired ones are a prefix, and a
        // check costs one comparison while nothing has expired.
        while let request = inflight[lowestUnconfirmed], request.deadline <= now {
            inflight.removeValue(forKey: lowestUnconfirmed)
            advanceLowestUnconfirmed()
            failedCounter.increment()
            if let blockedReason {
                request.completion(.failure(AMQPError(.blocked, "broker blocked publishing (\(blockedReason)) past the publish deadline; the broker may or may not have the message")))
            } else {
                request.completion(.failure(AMQPError(.publishTimedOut, "no confirm before the deadline; the broker may or may not have the message")))
            }
        }
        while pendingHead < pending.count, pending[pendingHead].deadline <= now {
            let request = pending[pendingHead]
            pendingHead += 1
            failedCounter.increment()
            if let blockedReason {
                request.completion(.failure(AMQPError(.blocked, "broker blocked publishing (\(blockedReason)) past the publish deadline")))
            } else if state == nil {
                request.completion(.failure(AMQPError(.notConnected, "broker unreachable past the publish deadline: \(lastConnectError.map(\.message) ?? "connecting")")))
            } else {
                request.completion(.failure(AMQPError(.publishTimedOut, "not published before the deadline")))
            }
        }
    }

    private func failPublishes(toExchangeNamedIn text: String, _ error: AMQPError) {
        guard let start = text.range(of: "exchange '"), let end = text[start.upperBound...].firstIndex(of: "'") else { return }
        let exchange = String(text[start.upperBound..<end])
        for (tag, entry) in inflight where entry.message.exchange == exchange {
            inflight.removeValue(forKey: tag)
            failedCounter.increment()
            entry.completion(.failure(error))
        }
        advanceLowestUnconfirmed()
        let refused = pending[pendingHead...].filter { $0.message.exchange == exchange }
        guard !refused.isEmpty else { return }
        pending = pending[pendingHead...].filter { $0.message.exchange != exchange }
        pendingHead = 0
        for request in refused {
            failedCounter.increment()
            request.completion(.failure(error))
        }
    }

    private func failAllPublishes(_ error: AMQPError) {
        for request in pending[pendingHead...] { request.completion(.failure(error)) }
        pending.removeAll()
        pendingHead = 0
        for entry in inflight.values { entry.completion(.failure(error)) }
        inflight.removeAll()
    }

    // MARK: - Reading frames

    /// Reads what the broker sent; while idle, waits in `poll` on the socket and the wake pipe, and lets
    /// rabbitmq-c send heartbeats.
    private func pumpFrames() throws(AMQPError) {
        guard let state else { return }
        if amqp_frames_enqueued(state) == 0 && amqp_data_in_buffer(state) == 0 {
            let busy = pendingHead < pending.count && inflight.count < confirmWindow && blockedReason == nil
            let timeoutMs: Int32 = busy ? 0 : pollTimeoutMilliseconds()
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

    private func pollTimeoutMilliseconds() -> Int32 {
        var timeout: Int32 = 200
        if let request = closeRequest {
            timeout = min(timeout, Self.milliseconds(until: request.deadline))
        }
        if pendingHead < pending.count {
            timeout = min(timeout, Self.milliseconds(until: pending[pendingHead].deadline))
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
            confirm(upTo: ack.delivery_tag, multiple: ack.multiple != 0, result: .success(()))
        case AMQP_BASIC_NACK_METHOD:
            let nack = method.decoded.load(as: amqp_basic_nack_t.self)
            confirm(upTo: nack.delivery_tag, multiple: nack.multiple != 0, result: .failure(AMQPError(.nacked, "the broker refused the message (basic.nack)")))
        case AMQP_BASIC_RETURN_METHOD:
            let returned = method.decoded.load(as: amqp_basic_return_t.self)
            let reason = "\(returned.reply_code) \(String(amqpBytes: returned.reply_text))"
            var message = amqp_message_t()
            let reply = amqp_read_message(state, frame.channel, &message, 0)
            if let error = Self.replyError(reply, "reading a returned message", code: .connectionClosed) { throw error }
            if message.properties._flags & amqp_flags_t(AMQP_BASIC_HEADERS_FLAG) != 0,
               let tag = AMQPTableReader.dictionary(message.properties.headers)[Self.publishTagHeader]?.intValue {
                returnedTags[UInt64(truncatingIfNeeded: tag)] = reason
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
            blockedReason = String(amqpBytes: blocked.reason)
            logger.warning("AMQP connection blocked by the broker; publishes wait", metadata: ["reason": "\(blockedReason ?? "")"])
        case AMQP_CONNECTION_UNBLOCKED_METHOD:
            blockedReason = nil
            logger.info("AMQP connection unblocked")
        case AMQP_CHANNEL_CLOSE_METHOD:
            let close = method.decoded.load(as: amqp_channel_close_t.self)
            var ok = amqp_channel_close_ok_t(dummy: 0)
            _ = amqp_send_method(state, frame.channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok)
            let text = String(amqpBytes: close.reply_text)
            let error = AMQPError(.serverException, "channel closed by the broker: \(text)", replyCode: close.reply_code)
            if close.class_id == 60, close.method_id == 40 {
                // A publish the broker refuses outright (missing exchange, no permission) would close every
                // new channel again: fail the publishes to that exchange instead of retrying them.
                failPublishes(toExchangeNamedIn: text, error)
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

    private func makeDelivery(
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

    // MARK: - Losing and closing the connection

    private func connectionLost(_ error: AMQPError) {
        logger.warning("AMQP connection lost; reconnecting", metadata: ["error": "\(error)"])
        teardown()
        lastConnectError = error
        reconnectCounter.increment()
        // A connection that dies right after opening must not turn into a reconnect storm.
        if connectedSince.map({ $0.duration(to: .now) < .seconds(2) }) ?? true {
            reconnectDelay = min(reconnectDelay * 2, connection.configuration.maximumReconnectDelay)
        } else {
            reconnectDelay = connection.configuration.initialReconnectDelay
        }
        nextConnectAttempt = .now + reconnectDelay
        if closeRequest != nil {
            // Closing anyway: nothing to reconnect for. Unconfirmed publishes are reported, not dropped.
            failAllPublishes(AMQPError(.shutdown, "connection lost while closing: \(error.message)"))
            finish()
        }
    }

    private func teardown() {
        connection.isConnected.withLock { $0 = false }
        if let state {
            amqp_destroy_connection(state)
        }
        state = nil
        consumerTag = nil
        unsettled = 0
        acks.reset()
        blockedReason = nil
    }

    /// Closes once graceful work is done: publishes confirmed and deliveries settled, or the deadline
    /// passed (what is left is reported or redelivered by the broker).
    private func closeIfDrained() throws(AMQPError) -> Bool {
        guard let request = closeRequest, let state else { return false }
        let drained: Bool
        switch connection.role {
        case .publisher: drained = pendingHead >= pending.count && inflight.isEmpty
        case .consumer: drained = consumerTag == nil && unsettled <= 0
        }
        guard !request.graceful || drained || ContinuousClock.now >= request.deadline else { return false }
        failAllPublishes(AMQPError(.shutdown, "connection closed before the broker confirmed"))
        _ = amqp_channel_close(state, channel, Int32(AMQP_REPLY_SUCCESS))
        _ = amqp_connection_close(state, Int32(AMQP_REPLY_SUCCESS))
        teardown()
        finish()
        return true
    }

    private func finish() {
        finished = true
        connection.deliveries?.finish()
        let error = lastConnectError ?? AMQPError(.shutdown, "connection closed")
        for waiter in connectWaiters { waiter.completion(.failure(error)) }
        connectWaiters.removeAll()
        failAllPublishes(AMQPError(.shutdown, "connection closed"))
        // Commands that raced with the close, or come later, are answered too: no caller waits forever.
        connection.closeMailbox()
        for completion in closeRequest?.completions ?? [] { completion() }
        closeRequest?.completions = []
        logger.debug("AMQP connection thread finished")
    }

    private func waitForWake(until instant: ContinuousClock.Instant) {
        var fd = pollfd(fd: connection.wakePipe.read, events: Int16(POLLIN), revents: 0)
        _ = poll(&fd, 1, min(Self.milliseconds(until: instant), 200))
    }

    // MARK: - C status codes → AMQPError (the only place they are translated)

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
