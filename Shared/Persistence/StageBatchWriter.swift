import Logging
import Messaging
import PostgresNIO
import ServiceLifecycle

/// The one way a stage stores what its deliveries caused: group commit of "inbox + the stage's own
/// statement + outbox" in one transaction, with what committed handed to the relay in memory.
///
/// The stage's handlers each hand in one item and wait (``store(_:)``); a writer takes everything waiting
/// (``GroupCommit``) and, within the deadline, in one transaction: records the items' event ids in the
/// inbox (one statement), runs the stage's statement for the items whose events are new — each event once,
/// a redelivery beside its first delivery in the same batch shares its outcome — writes the messages the
/// statement answered to the outbox (one statement; headers such as `traceparent` kept), and commits.
/// Then the outbox rows go to ``OutboxDispatch`` and every caller gets its outcome: the handler acks only
/// now. Writing the inbox and the outbox here, once, is what keeps their columns, `pg_notify` and trace
/// context from being restated in every stage's SQL.
public struct StageBatchWriter<Item: Sendable, Outcome: Sendable>: Service {
    /// What the stage's statement did for one item.
    public struct Effect: Sendable {
        /// The item's outcome.
        public var outcome: Outcome
        /// The messages it sends (written to the outbox in the same transaction).
        public var messages: [OutgoingMessage]

        /// An outcome and the messages it sends.
        public init(_ outcome: Outcome, messages: [OutgoingMessage] = []) {
            self.outcome = outcome
            self.messages = messages
        }
    }

    /// The stage's statement: given the items whose events are new (in batch order) and the transaction's
    /// connection, stores their effects and answers one ``Effect`` per item, in order.
    public typealias Statement = @Sendable (_ items: [Item], _ connection: PostgresConnection, _ logger: Logger) async throws -> [Effect]

    /// Tuning of the writers.
    public struct Configuration: Sendable {
        /// Batches in flight at most.
        public var writers: Int
        /// Most items per batch.
        public var maxBatch: Int
        /// How long one batch's transaction may take before it is abandoned (see ``DatabaseDeadline``).
        public var deadline: Duration

        /// A configuration; the defaults suit a pipeline stage.
        public init(writers: Int = 3, maxBatch: Int = 256, deadline: Duration = .seconds(20)) {
            self.writers = writers
            self.maxBatch = maxBatch
            self.deadline = deadline
        }
    }

    private let commit: GroupCommit<Item, Outcome>

    /// A writer storing through `client` into `outbox`, recording each item's event (`eventID`) in `inbox`
    /// as `consumer`, its duplicates answered `duplicate`; `stoppedError` answers items handed in after
    /// shutdown began.
    public init(
        client: PostgresClient,
        inbox: Inbox,
        consumer: String,
        outbox: Outbox,
        configuration: Configuration = Configuration(),
        eventID: @escaping @Sendable (Item) -> String,
        duplicate: Outcome,
        stoppedError: @escaping @Sendable () -> any Error,
        logger: Logger,
        statement: @escaping Statement
    ) {
        let deadline = DatabaseDeadline(timeout: configuration.deadline)
        commit = GroupCommit(writers: configuration.writers, maxBatch: configuration.maxBatch, stoppedError: stoppedError) { batch in
            do {
                return try await Self.write(
                    batch, client: client, inbox: inbox, consumer: consumer, outbox: outbox, deadline: deadline,
                    eventID: eventID, duplicate: duplicate, logger: logger, statement: statement
                )
            } catch {
                logger.warning("a batch could not be stored", metadata: [
                    "consumer": "\(consumer)", "items": "\(batch.count)", "error": "\(String(reflecting: error))",
                ])
                throw error
            }
        }
    }

    /// Stores `item` in the next batch and returns its outcome once that batch committed. When it throws,
    /// nothing of the batch was stored — or, with `PersistenceError(.outcomeUnknown)`, it may have been:
    /// either way the delivery is to be tried again, and the inbox tells.
    public func store(_ item: Item) async throws -> Outcome {
        try await commit.submit(item)
    }

    /// Runs the writers until graceful shutdown (or cancellation); then they store what still waits and stop.
    public func run() async throws {
        try await commit.run()
    }

    private static func write(
        _ batch: [Item], client: PostgresClient, inbox: Inbox, consumer: String, outbox: Outbox, deadline: DatabaseDeadline,
        eventID: @escaping @Sendable (Item) -> String, duplicate: Outcome, logger: Logger, statement: @escaping Statement
    ) async throws -> [Outcome] {
        let ids = batch.map(eventID)
        // Outbox.transaction hands what it wrote to the relay once COMMIT answered.
        let outcomes = try await outbox.transaction("storing a batch of \(consumer)", client: client, deadline: deadline, logger: logger) { writes in
            let connection = writes.connection
            var unique: [String] = []
            var seen = Set<String>()
            for id in ids where seen.insert(id).inserted { unique.append(id) }
            let fresh = try await inbox.record(eventIDs: unique, consumer: consumer, on: connection, logger: logger)
            // Each new event once: the first item that carries it.
            var applied = Set<String>()
            let firsts = batch.indices.filter { fresh.contains(ids[$0]) && applied.insert(ids[$0]).inserted }
            let effects = try await statement(firsts.map { batch[$0] }, connection, logger)
            guard effects.count == firsts.count else {
                throw PersistenceError(.queryFailed, "\(consumer): the stage's statement answered \(effects.count) of \(firsts.count) items")
            }
            var outcomes: [String: Outcome] = [:]
            for (index, effect) in zip(firsts, effects) { outcomes[ids[index]] = effect.outcome }
            try await writes.insert(effects.flatMap(\.messages))
            return outcomes
        }
        return ids.map { outcomes[$0] ?? duplicate }
    }
}

extension PostgresConnection {
    /// Runs a stage's batch statement that answers the event ids whose effects it stored.
    public func storedEventIDs<Statement: PostgresPreparedStatement>(_ statement: Statement, logger: Logger) async throws -> Set<String>
    where Statement.Row == String {
        var stored = Set<String>()
        for try await eventID in try await execute(statement, logger: logger) { stored.insert(eventID) }
        return stored
    }
}
