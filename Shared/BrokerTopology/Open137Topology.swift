import Messaging

/// The one source of truth for Open137's broker objects. Services declare their part of it on every
/// (re)connect; `open137 topology export` writes the same objects as `infra/rabbitmq/definitions.json`.
public enum Open137Topology {
    /// Topic exchange of every report event; routing key = event type (`report.received`, …).
    public static let eventsExchange = "open137.events"
    /// Topic exchange of deliveries to the responsible units; routing key `<unit>.d<NN>`.
    public static let unitsExchange = "open137.units"
    /// Topic exchange the units publish their status updates to; routing key `<unit>.status`.
    public static let unitUpdatesExchange = "open137.unit-updates"
    /// Topic exchange the intake channels publish submissions to; routing key `intake.<channel>`.
    public static let intakeExchange = "open137.intake"
    /// Where work queues dead-letter to; routing key = the work queue's name.
    public static let deadLetterExchange = "open137.dead-letter"
    /// Where a consumer sends a message to be tried again later; routing key = the work queue's name.
    public static let retryExchange = "open137.retry"

    /// How many deliveries a message gets before the broker dead-letters it as poison.
    public static let deliveryLimit: Int64 = 5
    /// How long a message waits in a retry queue before it goes back to its work queue.
    public static let retryDelayMilliseconds: Int64 = 5_000

    /// The work queues, each with its owner and the bindings that feed it.
    public static let workQueues: [WorkQueue] = [
        WorkQueue(name: "intake.submissions", owner: .intake, sources: [(intakeExchange, "intake.*")]),
        // Intake keeps the public read model (tracking, Open311 GET) from the later events of each report.
        WorkQueue(name: "intake.events", owner: .intake, sources: [
            (eventsExchange, "report.classified"), (eventsExchange, "report.routed"), (eventsExchange, "report.assigned"),
            (eventsExchange, "report.status-changed"), (eventsExchange, "report.reassigned"), (eventsExchange, "report.escalated"),
            (eventsExchange, "report.linked"), (eventsExchange, "report.unlinked"), (eventsExchange, "report.repeat-hazard"),
        ]),
        WorkQueue(name: "classifier.reports", owner: .classifier, sources: [(eventsExchange, "report.received")]),
        WorkQueue(name: "router.reports", owner: .router, sources: [(eventsExchange, "report.classified")]),
        WorkQueue(name: "router.unit-updates", owner: .router, sources: [(unitUpdatesExchange, "*.status")]),
        WorkQueue(name: "notifier.events", owner: .notifier, sources: [(eventsExchange, "report.#")]),
        WorkQueue(name: "council-audit.events", owner: .councilAudit, sources: [(eventsExchange, "#"), (unitUpdatesExchange, "#")]),
    ]

    /// Where intake puts channel submissions it cannot accept, body intact, with the reason in headers
    /// (bound to the dead-letter exchange with its own name as routing key).
    public static let intakeRejectedQueue = "intake.rejected"

    /// The responsible units (departments), as in the router's units file: each has a durable queue
    /// `unit.<unit>` bound to `<unit>.#` on the units exchange.
    ///
    /// A list of its own, not read from `Shared/Units/Data/units.yaml`: the topology must be declarable
    /// without loading YAML — every service declares it on (re)connect and `open137 topology export`
    /// writes it as `infra/rabbitmq/definitions.json`, so it is a constant that cannot fail, and
    /// BrokerTopology depends on neither Units nor Yams. So that the list cannot drift from the file, the
    /// pure test `RouterRulesTests.unitsFileAgrees` (`Tests/LogicTests`) asserts the two are equal, in order.
    public static let unitCodes: [String] = [
        "social-affairs", "parks", "traffic", "transit", "roads", "lighting", "waste", "urban-planning",
        "urban-services", "environment", "triage",
    ]

    /// The queue of one unit's deliveries (`unit.<unit>`).
    public static func unitQueue(_ unit: String) -> String { "unit.\(unit)" }

    /// What the router tells a unit about its own status updates, on the units exchange beside its
    /// deliveries (`<unit>.d<NN>`), so they reach the unit's queue through its `<unit>.#` binding and no
    /// permission changes: `<unit>.status-changed` (a copy of `report.status-changed`), `<unit>.reassigned`
    /// (a copy of `report.reassigned`, to the unit that referred), `<unit>.status-refused`
    /// (`unit.status-refused`: an update the router would not apply, and why), `<unit>.unlinked` (a copy of
    /// `report.unlinked`: a split applied) — and, beside them, `<unit>.linked` (a report joined one of the
    /// unit's cases: `report.linked` with what the reporter said) and `<unit>.repeat-hazard` (a case's
    /// priority raised: `report.repeat-hazard`).
    public enum UnitAnswer: String, Sendable, CaseIterable {
        /// The update moved the report: a copy of `report.status-changed`.
        case statusChanged = "status-changed"
        /// The unit's referral moved the report to another unit: a copy of `report.reassigned`.
        case reassigned
        /// The update was refused: `unit.status-refused`.
        case statusRefused = "status-refused"
        /// A new report was linked to one of the unit's cases: the unit's copy of `report.linked`, with what
        /// the reporter said (not an answer to anything the unit sent: the case grew).
        case linked
        /// The unit's split request was applied: a copy of `report.unlinked`.
        case unlinked
        /// One of the unit's cases is a hazard that keeps coming back: a copy of `report.repeat-hazard` (its
        /// priority and deadline raised; not an answer either).
        case repeatHazard = "repeat-hazard"
    }

    /// The routing key of `answer` for `unit` on the units exchange (`parks.status-changed`).
    public static func unitAnswerKey(_ unit: String, _ answer: UnitAnswer) -> String { "\(unit).\(answer.rawValue)" }

    /// The queue and routing key of the council's copy of every child-friendly report. A routing key of
    /// its own (not `<unit>.d<NN>`) keeps the copy away from `<unit>.#` and `*.d<NN>` bindings.
    public static let councilQueue = "council.child-friendly"

    /// The unit queues and the council queue, declared by the router (which delivers to them) so that no
    /// delivery is ever unroutable. Quorum queues without a dead-letter exchange: what a unit does with a
    /// message it cannot handle is the unit's own business.
    public static var unitDeliveryTopology: Topology {
        let queues = unitCodes.map(unitQueue) + [councilQueue]
        return Topology(
            queues: queues.map { QueueDefinition(name: $0, arguments: ["x-queue-type": .string("quorum")]) },
            bindings: unitCodes.map { BindingDefinition(exchange: unitsExchange, queue: unitQueue($0), routingKey: "\($0).#") }
                + [BindingDefinition(exchange: unitsExchange, queue: councilQueue, routingKey: councilQueue)]
        )
    }

    /// The exchanges every service may publish to or bind from.
    public static let exchanges: [ExchangeDefinition] = [
        ExchangeDefinition(name: eventsExchange, kind: .topic),
        ExchangeDefinition(name: unitsExchange, kind: .topic),
        ExchangeDefinition(name: unitUpdatesExchange, kind: .topic),
        ExchangeDefinition(name: intakeExchange, kind: .topic),
        ExchangeDefinition(name: deadLetterExchange, kind: .topic),
        ExchangeDefinition(name: retryExchange, kind: .topic),
    ]

    /// What one service owns: all exchanges (it publishes to them) and its own work queues with their
    /// dead-letter and retry queues.
    public static func topology(for owner: ServiceName) -> Topology {
        let own = workQueues.filter { $0.owner == owner }.reduce(Topology(exchanges: exchanges)) { $0.merging($1.topology) }
        if owner == .router { return own.merging(unitDeliveryTopology) }
        guard owner == .intake else { return own }
        return own.merging(Topology(
            queues: [QueueDefinition(name: intakeRejectedQueue, arguments: ["x-queue-type": .string("quorum")])],
            bindings: [BindingDefinition(exchange: deadLetterExchange, queue: intakeRejectedQueue, routingKey: intakeRejectedQueue)]
        ))
    }

    /// Everything, for the definitions file and for tools that need the whole picture; with the
    /// dead-lettering policy, which only the administrator applies (`open137 topology declare`).
    public static var all: Topology {
        ServiceName.allCases.reduce(Topology(exchanges: exchanges, policies: [deadLetteringPolicy])) { $0.merging(topology(for: $1)) }
    }

    /// Quorum-queue arguments of a work queue: poison messages stop at the delivery limit and go to
    /// `<queue>.dlq` through the dead-letter exchange.
    public static func workQueueArguments(_ queue: String) -> [String: AMQPFieldValue] {
        [
            "x-queue-type": .string("quorum"),
            "x-dead-letter-exchange": .string(deadLetterExchange),
            "x-dead-letter-routing-key": .string(queue),
            "x-delivery-limit": .int(deliveryLimit),
        ]
    }
}

/// The five pipeline services (the admin tool owns nothing on the broker).
public enum ServiceName: String, Sendable, Hashable, CaseIterable {
    case intake
    case classifier
    case router
    case notifier
    case councilAudit = "council-audit"

    /// The CloudEvents `source` of what this service emits.
    public var eventSource: String { "/open137/\(rawValue)" }
}

/// A work queue with its dead-letter queue (`<name>.dlq`) and its delayed-retry queue (`<name>.retry`).
public struct WorkQueue: Sendable {
    /// Queue name.
    public let name: String
    /// The service that consumes it.
    public let owner: ServiceName
    /// (exchange, routing-key pattern) pairs bound to it.
    public let sources: [(exchange: String, routingKey: String)]

    /// A work queue of `owner` fed by `sources`.
    public init(name: String, owner: ServiceName, sources: [(exchange: String, routingKey: String)]) {
        self.name = name
        self.owner = owner
        self.sources = sources
    }

    /// The dead-letter queue's name.
    public var deadLetterQueue: String { name + ".dlq" }
    /// The delayed-retry queue's name.
    public var retryQueue: String { name + ".retry" }

    /// The queue, its dead-letter queue and its retry queue, with their bindings. The retry queue
    /// holds a message for the retry delay, then dead-letters it through the default exchange straight
    /// back to the work queue.
    public var topology: Topology {
        Topology(
            queues: [
                QueueDefinition(name: name, arguments: Open137Topology.workQueueArguments(name)),
                QueueDefinition(name: deadLetterQueue, arguments: ["x-queue-type": .string("quorum")]),
                QueueDefinition(name: retryQueue, arguments: [
                    "x-queue-type": .string("quorum"),
                    "x-message-ttl": .int(Open137Topology.retryDelayMilliseconds),
                    "x-dead-letter-exchange": .string(""),
                    "x-dead-letter-routing-key": .string(name),
                ]),
            ],
            bindings: sources.map { BindingDefinition(exchange: $0.exchange, queue: name, routingKey: $0.routingKey) } + [
                BindingDefinition(exchange: Open137Topology.deadLetterExchange, queue: deadLetterQueue, routingKey: name),
                BindingDefinition(exchange: Open137Topology.retryExchange, queue: retryQueue, routingKey: name),
            ]
        )
    }
}
