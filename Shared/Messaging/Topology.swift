/// The broker objects a system owns — exchanges, queues, bindings and policies — as data, so one
/// definition drives both the declarations every connection makes on (re)connect and the definitions file
/// a stand-alone RabbitMQ imports. Connections declare exchanges, queues and bindings only: AMQP has no
/// way to set a policy (see `PolicyDefinition`).
public struct Topology: Sendable, Hashable {
    /// Exchanges, declared first.
    public var exchanges: [ExchangeDefinition]
    /// Queues, declared after the exchanges.
    public var queues: [QueueDefinition]
    /// Bindings of queues to exchanges, declared last.
    public var bindings: [BindingDefinition]
    /// Policies, applied through the management API, never by a connection's declarations.
    public var policies: [PolicyDefinition]

    /// Creates a topology.
    public init(
        exchanges: [ExchangeDefinition] = [], queues: [QueueDefinition] = [], bindings: [BindingDefinition] = [],
        policies: [PolicyDefinition] = []
    ) {
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
        self.policies = policies
    }

    /// The union of two topologies (duplicates kept once, order preserved).
    public func merging(_ other: Topology) -> Topology {
        func union<T: Hashable>(_ a: [T], _ b: [T]) -> [T] {
            var seen = Set(a)
            return a + b.filter { seen.insert($0).inserted }
        }
        return Topology(
            exchanges: union(exchanges, other.exchanges),
            queues: union(queues, other.queues),
            bindings: union(bindings, other.bindings),
            policies: union(policies, other.policies)
        )
    }
}

/// One exchange: durable, never auto-deleted.
public struct ExchangeDefinition: Sendable, Hashable {
    /// The kind of exchange.
    public enum Kind: String, Sendable, Hashable { case topic, direct, fanout, headers }
    /// Exchange name.
    public var name: String
    /// Exchange kind.
    public var kind: Kind
    /// Creates an exchange definition.
    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}

/// One durable queue and its `x-` arguments.
public struct QueueDefinition: Sendable, Hashable {
    /// Queue name.
    public var name: String
    /// Declaration arguments (`x-queue-type`, `x-dead-letter-exchange`, `x-delivery-limit`, …).
    public var arguments: [String: AMQPFieldValue]
    /// Creates a queue definition.
    public init(name: String, arguments: [String: AMQPFieldValue] = [:]) {
        self.name = name
        self.arguments = arguments
    }
}

/// A queue bound to an exchange by a routing-key pattern.
public struct BindingDefinition: Sendable, Hashable {
    /// The exchange messages come from.
    public var exchange: String
    /// The queue they go to.
    public var queue: String
    /// Routing-key pattern (`report.*`, `parks.#`, …).
    public var routingKey: String
    /// Creates a binding.
    public init(exchange: String, queue: String, routingKey: String) {
        self.exchange = exchange
        self.queue = queue
        self.routingKey = routingKey
    }
}
