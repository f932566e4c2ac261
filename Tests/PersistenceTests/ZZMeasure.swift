import Events
import Foundation
import Messaging
import Persistence
import PostgresNIO
import Testing
import TestSupport

/// A publisher that confirms at once (measurement only).
struct InstantPublisher: MessagePublishing {
    func publish(_ messages: [OutgoingMessage]) async -> [Result<Void, AMQPError>] { messages.map { _ in .success(()) } }
}

@Suite("ZZ measure")
struct ZZMeasure {
    @Test func measure() async throws {
        let logger = TestEnvironment.logger("measure")
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("measure", client: client) { schema in
                let outbox = try Outbox(schema: schema)
                let clock = ContinuousClock()
                // One event per transaction.
                var start = clock.now
                for i in 0..<2000 {
                    _ = try await client.withTransaction(logger: logger) { c in try await outbox.enqueue(testEvent(i), exchange: "x", on: c, logger: logger) }
                }
                print("MEASURE one-event transactions: \(Double(2000) / (clock.now - start).seconds) tx/s")
                // 100 events per transaction.
                start = clock.now
                for chunk in 0..<180 {
                    try await client.withTransaction(logger: logger) { c in
                        for i in 0..<100 { try await outbox.enqueue(testEvent(10_000 + chunk * 100 + i), exchange: "x", on: c, logger: logger) }
                    }
                }
                print("MEASURE enqueue in 100-event transactions: \(Double(18000) / (clock.now - start).seconds) events/s")
                for batchSize in [100, 500] {
                    try await client.query("UPDATE \(unescaped: schema).outbox SET sent_at = NULL, attempts = 0", logger: logger)
                    let relay = OutboxRelay(client: client, outbox: outbox, publisher: InstantPublisher(), configuration: .init(batchSize: batchSize), logger: logger)
                    start = clock.now
                    var total = 0
                    while true { let r = try await relay.relayBatch(); total += r.published; if r.claimed == 0 { break } }
                    print("MEASURE relay batch \(batchSize): \(total) rows, \(Double(total) / (clock.now - start).seconds) rows/s")
                }
                // Concurrent one-event transactions (8 tasks).
                start = clock.now
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for t in 0..<8 {
                        group.addTask {
                            for i in 0..<250 {
                                _ = try await client.withTransaction(logger: logger) { c in try await outbox.enqueue(testEvent(100_000 + t * 1000 + i), exchange: "x", on: c, logger: logger) }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                print("MEASURE one-event transactions, 8 concurrent: \(Double(2000) / (clock.now - start).seconds) tx/s")
            }
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
