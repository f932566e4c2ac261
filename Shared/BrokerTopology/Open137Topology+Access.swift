import Foundation

extension Open137Topology {
    /// The council's user name (reads `council.child-friendly`, may reopen: `council.status`).
    public static let councilUser = "council"

    /// The user name of a unit (`unit-parks`).
    public static func unitUserName(_ unit: String) -> String { "unit-\(unit)" }

    /// A unit's user: it may read only its own queue `unit.<unit>`, publish only to the unit-updates
    /// exchange and only with routing key `<unit>.status`, and declare nothing (the router declares its
    /// queue). So a unit can neither read another unit's reports nor speak for another unit.
    public static func unitUser(_ unit: String) -> BrokerUser {
        BrokerUser(
            name: unitUserName(unit), configure: "^$", write: "^\(escaped(unitUpdatesExchange))$",
            read: "^\(escaped(unitQueue(unit)))$",
            topicPermissions: [TopicPermission(exchange: unitUpdatesExchange, write: "^\(escaped(unit))\\.status$", read: "^$")])
    }

    /// Every unit's user and the council's. The reporter's reopenings (`reporter.status`) come from intake's
    /// own service account; no user here may publish that routing key.
    public static var brokerUsers: [BrokerUser] {
        unitCodes.map(unitUser) + [BrokerUser(
            name: councilUser, configure: "^$", write: "^\(escaped(unitUpdatesExchange))$", read: "^\(escaped(councilQueue))$",
            topicPermissions: [TopicPermission(exchange: unitUpdatesExchange, write: "^council\\.status$", read: "^$")])]
    }

    /// The broker user of a pipeline service (`open137-intake`).
    public static func serviceUserName(_ service: ServiceName) -> String { "open137-\(service.rawValue)" }

    /// The exchanges a service publishes to, besides the retry and dead-letter exchanges every consumer
    /// uses: its events, the router's deliveries, intake's status updates (units' and reporters', from its
    /// HTTP API) and intake's replies to AMQP channels (`reply_to` through the default exchange, which
    /// RabbitMQ's permissions call `amq.default`).
    static func publishedExchanges(_ service: ServiceName) -> [String] {
        switch service {
        case .intake: [eventsExchange, unitUpdatesExchange, "amq.default"]
        case .classifier, .councilAudit: [eventsExchange]
        case .router: [eventsExchange, unitsExchange]
        case .notifier: []
        }
    }

    /// A pipeline service's user, derived from what it declares (``topology(for:)``):
    /// - configure: its own queues (work, `.dlq`, `.retry`; the router also the unit and council queues it
    ///   delivers to; intake `intake.rejected`) and the shared exchanges, which every service declares on
    ///   connect so that no start order is needed;
    /// - write: those queues (binding a queue needs write on it) and the exchanges it publishes to;
    /// - read: the work queues it consumes and the exchanges its queues are bound to.
    /// So a service can neither consume another stage's queue nor publish to an exchange it has no
    /// business on (the classifier cannot deliver to a unit). It re-declares its queues on every connect but
    /// cannot create its retry queues: their dead-letter exchange is the default one, and creating such a
    /// queue needs write on `amq.default` — which would let the service publish straight into any queue.
    /// The administrator creates the topology first (`open137 topology declare`, as `make run` does); only
    /// intake writes to `amq.default`, for its replies.
    public static func serviceUser(_ service: ServiceName) -> BrokerUser {
        let own = topology(for: service)
        let queues = own.queues.map(\.name)
        let consumed = workQueues.filter { $0.owner == service }.map(\.name)
        let publishes = publishedExchanges(service) + [retryExchange, deadLetterExchange]
        var boundFrom: [String] = []
        for binding in own.bindings where !boundFrom.contains(binding.exchange) { boundFrom.append(binding.exchange) }
        return BrokerUser(
            name: serviceUserName(service), configure: anyOf(queues + own.exchanges.map(\.name)),
            write: anyOf(queues + publishes), read: anyOf(consumed + boundFrom), topicPermissions: [])
    }

    /// Every pipeline service's user, in pipeline order.
    public static var serviceUsers: [BrokerUser] { ServiceName.allCases.map(serviceUser) }

    /// A regular expression matching exactly `names` (`^(a|b)$`), or nothing when there are none.
    private static func anyOf(_ names: [String]) -> String {
        names.isEmpty ? "^$" : "^(" + names.map(escaped).joined(separator: "|") + ")$"
    }

    /// `name` with the dots of a regular expression escaped (unit codes are lower-case letters, digits and
    /// dashes; queue names add dots). Also the dead-lettering policy's pattern.
    static func escaped(_ name: String) -> String {
        name.replacingOccurrences(of: ".", with: "\\.")
    }
}
