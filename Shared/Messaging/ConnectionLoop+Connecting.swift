import CRabbitMQ
import Foundation

extension ConnectionLoop {
    /// Opens a connection to the rotation's current address, declares the topology and prepares the role
    /// (a publisher queues again what was unconfirmed); on failure, moves to the next address and schedules
    /// the attempt with backoff (and jitter, so that services restarted together do not retry in step).
    func connect() {
        let config = connection.configuration
        let endpoint = config.endpoints[rotation.index]
        do {
            let newState = try open(config, at: endpoint)
            state = newState
            generation += 1
            try declare(connection.topology)
            try prepareRole()
            lastConnectError = nil
            rotation.connected()
            connection.connectCount.withLock { $0 += 1 }
            connection.isConnected.withLock { $0 = true }
            connectedSince = .now
            logger.info("AMQP connected", metadata: ["amqp.broker": "\(endpoint)", "amqp.generation": "\(generation)"])
            for waiter in connectWaiters { waiter.completion(.success(())) }
            connectWaiters.removeAll()
        } catch {
            teardown()
            lastConnectError = error
            if generation > 0 { reconnectCounter.increment() }
            let delay = rotation.attemptFailed() * Double.random(in: 0.8...1.2)
            nextConnectAttempt = .now + delay
            logger.warning("AMQP connect failed; retrying", metadata: [
                "error": "\(error)", "amqp.broker": "\(endpoint)", "amqp.next_broker": "\(config.endpoints[rotation.index])",
                "retry_in": "\(delay)",
            ])
            if closeRequest != nil {
                for waiter in connectWaiters { waiter.completion(.failure(error)) }
                connectWaiters.removeAll()
            }
        }
    }

    /// A new logged-in connection with its channel open, bounded by the configured limits.
    private func open(_ config: AMQPConfiguration, at endpoint: AMQPEndpoint) throws(AMQPError) -> amqp_connection_state_t {
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
        let openStatus = amqp_socket_open_noblock(socket, endpoint.host, Int32(endpoint.port), &timeout)
        if openStatus != AMQP_STATUS_OK.rawValue {
            amqp_destroy_connection(newState)
            throw Self.statusError(openStatus, "connecting to \(endpoint)", code: .connectionFailed)
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

    /// Declares the exchanges, queues and bindings of `topology` (idempotent on the broker).
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

    /// A publisher enables confirms and queues again what the last connection left unconfirmed; a
    /// consumer sets its prefetch and consumes, unless it was stopped.
    private func prepareRole() throws(AMQPError) {
        guard let state else { throw AMQPError(.notConnected, "no connection") }
        switch connection.role {
        case .publisher:
            amqp_confirm_select(state, channel)
            if let error = Self.replyError(amqp_get_rpc_reply(state), "enabling publisher confirms") { throw error }
            confirmations.reconnected()
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
}
