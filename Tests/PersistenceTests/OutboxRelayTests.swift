import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport

@Suite("Outbox relay", .timeLimit(.minutes(2)))
struct OutboxRelayTests {
    let logger = TestEnvironment.logger("relay-tests")

    /// Enqueues `count` events (numbered from `first`) in one committed transaction; returns their ids.
    @discardableResult
    func enqueue(_ count: Int, from first: Int = 0, into outbox: Outbox, client: PostgresClient) async throws -> [String] {
        let events = (first..<(first + count)).map { testEvent($0) }
        try await client.withTransaction(logger: logger) { connection in
            for event in events { try await outbox.enqueue(event, exchange: "open137.events", on: connection, logger: logger) }
        }
        return events.map(\.id)
    }

    @Test("a failed publish leaves the row unsent with attempts + 1 and its error, and it is retried after the back-off")
    func failedPublishIsRetried() async throws {
        try await TestDatabase.withOutbox("relay_fail") { client, schema, outbox in
            let ids = try await enqueue(3, into: outbox, client: client)
            let publisher = RecordingPublisher(.fail(AMQPError(.unroutable, "no queue bound")))
            let configuration = OutboxRelay.Configuration(retryBaseDelay: .seconds(1), retryMaxDelay: .seconds(10))
            let relay = OutboxRelay(client: client, outbox: outbox, publisher: publisher, configuration: configuration, logger: logger)

            #expect(try await relay.relayBatch() == .init(claimed: 3, published: 0, failed: 3))
            #expect(await publisher.attempted == ids)
            let rows = try await client.query(
                """
                SELECT sent_at IS NULL, attempts, last_error, extract(epoch FROM available_at - now())::float8
                FROM \(unescaped: schema).outbox ORDER BY id
                """, logger: logger)
            for try await (unsent, attempts, lastError, dueIn) in rows.decode((Bool, Int32, String?, Double).self) {
                #expect(unsent)
                #expect(attempts == 1)
                #expect(lastError?.contains("unroutable") == true)
                // The base delay (1 s) less the time since the failure — generous for a loaded machine.
                #expect(dueIn > 0.2 && dueIn <= 1.0, "first retry after the base delay")
            }
            // Inside the back-off nothing is claimed.
            #expect(try await relay.relayBatch().claimed == 0)

            // The broker recovers except for one message; once due, the rows are retried.
            await publisher.setMode(.failIDs([ids[1]], AMQPError(.nacked, "broker refused")))
            let retried = try await withTimeout(.seconds(10), "the back-off to pass") {
                while true {
                    let report = try await relay.relayBatch()
                    if report.claimed > 0 { return report }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            #expect(retried == .init(claimed: 3, published: 2, failed: 1))
            #expect(await publisher.confirmed == [ids[0], ids[2]])
            let after = try await client.query(
                """
                SELECT event_id, sent_at IS NOT NULL, attempts, last_error, extract(epoch FROM available_at - now())::float8
                FROM \(unescaped: schema).outbox ORDER BY id
                """, logger: logger)
            var states: [String: (sent: Bool, attempts: Int32, error: String?, dueIn: Double)] = [:]
            for try await (eventID, sent, attempts, lastError, dueIn) in after.decode((String, Bool, Int32, String?, Double).self) {
                states[eventID] = (sent, attempts, lastError, dueIn)
            }
            #expect(states[ids[0]]?.sent == true && states[ids[0]]?.attempts == 2 && states[ids[0]]?.error == nil)
            #expect(states[ids[1]]?.sent == false && states[ids[1]]?.attempts == 2 && states[ids[1]]?.error?.contains("nacked") == true)
            // The second failure backs off twice as long.
            let dueIn = try #require(states[ids[1]]?.dueIn)
            // Twice the base delay (1 s), less the time the test took since — generous for a loaded machine.
            #expect(dueIn > 1.0 && dueIn <= 2.0, "second retry after twice the base delay")
            #expect(try await relay.relayBatch().claimed == 0)
            #expect(try await outbox.backlog(client: client, logger: logger) == 1)
        }
    }

    @Test("a commit wakes a running relay through LISTEN/NOTIFY, long before its poll")
    func notifyWakesRelay() async throws {
        try await TestDatabase.withOutbox("relay_wake") { client, schema, outbox in
            let publisher = RecordingPublisher(.fail(AMQPError(.notConnected, "test broker absent")))
            let relay = OutboxRelay(
                client: client, outbox: outbox, publisher: publisher,
                configuration: .init(pollInterval: .seconds(120)), logger: logger
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await relay.run() }
                try await TestDatabase.waitForListener(on: outbox.notificationChannel, client: client)
                // Twice, so the second round cannot have been picked up by the relay's start-up drains.
                for round in 0..<2 {
                    let ids = try await enqueue(2, from: round * 10, into: outbox, client: client)
                    try await withTimeout(.seconds(5), "the relay to pick up the committed events") {
                        while await !Set(publisher.attempted).isSuperset(of: ids) { try await Task.sleep(for: .milliseconds(10)) }
                    }
                    try await Task.sleep(for: .milliseconds(200))
                }
                group.cancelAll()
            }
        }
    }

    @Test("two relays on the same table never publish a row twice")
    func competingRelays() async throws {
        try await TestDatabase.withOutbox("relay_race") { client, schema, outbox in
            let publishers = [RecordingPublisher(delay: .milliseconds(3)), RecordingPublisher(delay: .milliseconds(3))]
            let total = 1_000
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Each relay on its own client, as two replicas would be.
                for publisher in publishers {
                    group.addTask {
                        try await TestDatabase.withClient { replicaClient in
                            let relay = OutboxRelay(
                                client: replicaClient, outbox: outbox, publisher: publisher,
                                configuration: .init(batchSize: 25, pollInterval: .milliseconds(50)), logger: logger
                            )
                            try await relay.run()
                        }
                    }
                }
                // Producers commit while the relays run.
                try await withThrowingTaskGroup(of: Void.self) { producers in
                    for producer in 0..<4 {
                        producers.addTask {
                            for chunk in 0..<(total / 4 / 25) {
                                try await enqueue(25, from: producer * 10_000 + chunk * 25, into: outbox, client: client)
                            }
                        }
                    }
                    try await producers.waitForAll()
                }
                try await withTimeout(.seconds(60), "the relays to publish everything") {
                    while try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).outbox WHERE sent_at IS NULL", client: client) > 0 {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                group.cancelAll()
            }
            let first = await publishers[0].confirmed
            let second = await publishers[1].confirmed
            let distinct = Set(first + second).count
            let publishedTwice = first.count + second.count - distinct
            #expect(publishedTwice == 0)
            #expect(distinct == total)
            #expect(await publishers[0].attempted.count + publishers[1].attempted.count == total)
            #expect(try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).outbox WHERE attempts <> 1", client: client) == 0)
        }
    }

    @Test("graceful shutdown finishes the batch in hand and starts no other")
    func gracefulShutdownFinishesBatch() async throws {
        try await TestDatabase.withOutbox("relay_stop") { client, schema, outbox in
            let ids = try await enqueue(10, into: outbox, client: client)
            let publisher = RecordingPublisher()
            let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
            let (release, releaseContinuation) = AsyncStream.makeStream(of: Void.self)
            await publisher.holdNextPublish(started: startedContinuation, release: release)
            let relay = OutboxRelay(
                client: client, outbox: outbox, publisher: publisher,
                configuration: .init(batchSize: 5, pollInterval: .milliseconds(20)), logger: logger
            )
            let serviceGroup = ServiceGroup(services: [relay], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    defer { startedContinuation.finish() }
                    try await withTimeout(.seconds(20), "the relay to stop") { try await serviceGroup.run() }
                }
                for await _ in started { break }
                await serviceGroup.triggerGracefulShutdown()
                try await Task.sleep(for: .milliseconds(100))
                releaseContinuation.yield()
                try await group.waitForAll()
            }
            #expect(await publisher.confirmed == Array(ids.prefix(5)))
            #expect(try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).outbox WHERE sent_at IS NOT NULL", client: client) == 5)
        }
    }

    @Test("a batch that hangs (here: a publish that never returns) is abandoned at the deadline and tried again; its rows stay unsent")
    func hungBatchIsAbandoned() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("relay_deadline", client: client) { schema in
                // A short lease: the abandoned batch's rows are due again soon after the deadline.
                let outbox = try Outbox(schema: schema, lease: .milliseconds(300))
                try await enqueue(2, into: outbox, client: client)
                // The publish answers only when cancelled (then with failures, so nothing is marked sent):
                // without the deadline the relay would wait an hour for its first batch.
                let publisher = RecordingPublisher(.fail(AMQPError(.publishTimedOut, "held")), delay: .seconds(3600))
                let relay = OutboxRelay(
                    client: client, outbox: outbox, publisher: publisher,
                    configuration: .init(pollInterval: .milliseconds(200), retryBaseDelay: .milliseconds(100), deadline: .milliseconds(500)),
                    logger: logger)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await relay.run() }
                    try await withTimeout(.seconds(10), "the relay to give up the hung batch and try again") {
                        while await publisher.calls < 2 { try await Task.sleep(for: .milliseconds(20)) }
                    }
                    group.cancelAll()
                }
                #expect(await publisher.confirmed.isEmpty)
                #expect(try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).outbox WHERE sent_at IS NULL", client: client) == 2)
            }
        }
    }

    @Test("a steady stream of hand-overs in memory does not starve a due row in the table")
    func handOversDoNotStarveTheSweep() async throws {
        try await TestDatabase.withOutbox("relay_starve") { client, schema, outbox in
            // Each publish takes 5 ms and a hand-over comes every millisecond: memory never runs empty.
            let publisher = RecordingPublisher(.confirm, delay: .milliseconds(5))
            let relay = OutboxRelay(
                client: client, outbox: outbox, publisher: publisher,
                configuration: .init(batchSize: 1, pollInterval: .milliseconds(100)), logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await relay.run() }
                group.addTask {
                    var n: Int64 = 0
                    while !Task.isCancelled {
                        n += 1
                        // Rows that are not in the table: their settle changes nothing.
                        outbox.dispatch.hand([OutboxMessage(id: -n, message: OutgoingMessage(
                            exchange: "open137.events", routingKey: "test.handed", body: [1], messageID: "handed-\(n)"))])
                        try await Task.sleep(for: .milliseconds(1))
                    }
                }
                defer { group.cancelAll() }
                // Written once the stream runs (the sweep at start has passed): only a later sweep finds it.
                try await Task.sleep(for: .milliseconds(300))
                let ids = try await enqueue(1, into: outbox, client: client)
                try await withTimeout(.seconds(10), "the row in the table to be published beside the stream") {
                    while await !publisher.confirmed.contains(ids[0]) { try await Task.sleep(for: .milliseconds(20)) }
                }
            }
        }
    }

    @Test("a round stuck past the stall limit is reported once through onStall (the service restarts the process)")
    func stuckRoundIsReported() async throws {
        try await TestDatabase.withOutbox("relay_stall") { client, schema, outbox in
            try await enqueue(1, into: outbox, client: client)
            let publisher = RecordingPublisher(.confirm, delay: .seconds(3600))
            let stalls = StallCounter()
            let relay = OutboxRelay(
                client: client, outbox: outbox, publisher: publisher,
                configuration: .init(deadline: .seconds(3600), stallLimit: .seconds(1), onStall: { stalls.count.add(1, ordering: .relaxed) }),
                logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await relay.run() }
                try await withTimeout(.seconds(10), "the watchdog to report the stuck round") {
                    while stalls.count.load(ordering: .relaxed) == 0 { try await Task.sleep(for: .milliseconds(50)) }
                }
                try await Task.sleep(for: .seconds(2))
                #expect(stalls.count.load(ordering: .relaxed) == 1, "reported once")
                group.cancelAll()
            }
        }
    }

    @Test("a long backlog of short batches is progress, not a stall: onStall stays silent")
    func longBacklogIsNotAStall() async throws {
        try await TestDatabase.withOutbox("relay_backlog") { client, schema, outbox in
            try await enqueue(24, into: outbox, client: client)
            // One row per batch, 400 ms each: the round lasts ≥ 9.6 s, about twice the stall limit, while
            // each batch stays far below it. The margin is wide because CI runs this beside the whole
            // parallel suite on two cores: a 1 s limit saw one loaded batch take longer than that.
            let publisher = RecordingPublisher(.confirm, delay: .milliseconds(400))
            let stalls = StallCounter()
            let relay = OutboxRelay(
                client: client, outbox: outbox, publisher: publisher,
                configuration: .init(batchSize: 1, stallLimit: .seconds(5), onStall: { stalls.count.add(1, ordering: .relaxed) }),
                logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await relay.run() }
                try await withTimeout(.seconds(60), "the backlog to be relayed") {
                    while await publisher.confirmed.count < 24 { try await Task.sleep(for: .milliseconds(50)) }
                }
                group.cancelAll()
            }
            #expect(stalls.count.load(ordering: .relaxed) == 0)
        }
    }

    @Test("deleteWhenSent: confirmed rows are deleted at once; a failed one stays, unsent, for its retry")
    func deleteWhenSent() async throws {
        try await TestDatabase.withOutbox("relay_delete") { client, schema, outbox in
            let ids = try await enqueue(4, into: outbox, client: client)
            let publisher = RecordingPublisher(.failIDs([ids[2]], AMQPError(.nacked, "broker refused")))
            let relay = OutboxRelay(
                client: client, outbox: outbox, publisher: publisher,
                configuration: OutboxRelay.Configuration(deleteWhenSent: true), logger: logger)

            #expect(try await relay.relayBatch() == .init(claimed: 4, published: 3, failed: 1))
            let rows = try await client.query(
                "SELECT event_id, sent_at IS NULL, attempts FROM \(unescaped: schema).outbox ORDER BY id", logger: logger)
            var left: [(String, Bool, Int32)] = []
            for try await row in rows.decode((String, Bool, Int32).self) { left.append(row) }
            #expect(left.count == 1)
            #expect(left.first?.0 == ids[2])
            #expect(left.first?.1 == true)
            #expect(left.first?.2 == 1)
        }
    }

    @Test("sent rows past the retention are purged; unsent and recent ones stay")
    func purgeSent() async throws {
        try await TestDatabase.withOutbox("relay_purge") { client, schema, outbox in
            let ids = try await enqueue(4, into: outbox, client: client)
            try await client.query(
                "UPDATE \(unescaped: schema).outbox SET sent_at = now() - interval '2 hours' WHERE event_id = ANY(\(Array(ids.prefix(2))))",
                logger: logger)
            try await client.query("UPDATE \(unescaped: schema).outbox SET sent_at = now() WHERE event_id = \(ids[2])", logger: logger)
            let relay = OutboxRelay(client: client, outbox: outbox, publisher: RecordingPublisher(), logger: logger)
            #expect(try await relay.purgeSent(olderThan: .seconds(3600), limit: 1) == 2)
            #expect(try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).outbox", client: client) == 2)
            #expect(try await outbox.backlog(client: client, logger: logger) == 1)
        }
    }
}

/// Counts the relay's stall reports (from the relay's watchdog task).
private final class StallCounter: Sendable {
    let count = Atomic<Int>(0)
}
