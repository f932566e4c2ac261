import BrokerTopology
import Foundation
import Messaging
import Testing

/// `Open137Topology.deadLetteringPolicy`: at-least-once dead-lettering for exactly the queues the broker
/// dead-letters from. Its effect on a real broker is in `DeadLetteringBrokerTests` (ServicesTests).
@Suite("Dead-lettering policy")
struct DeadLetteringPolicyTests {
    /// Whether the policy's pattern matches `name` the way RabbitMQ does (a regular-expression search).
    private func matches(_ name: String) throws -> Bool {
        let regex = try NSRegularExpression(pattern: Open137Topology.deadLetteringPolicy.pattern)
        return regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
    }

    @Test("it names every queue with a dead-letter exchange and no other queue")
    func coversTheDeadLetteringQueues() throws {
        let queues = Open137Topology.all.queues
        let deadLettering = queues.filter { $0.arguments["x-dead-letter-exchange"] != nil }.map(\.name)
        #expect(Set(deadLettering) == Set(Open137Topology.deadLetteringQueues))
        #expect(deadLettering.count == 2 * Open137Topology.workQueues.count)
        for queue in queues {
            #expect(try matches(queue.name) == deadLettering.contains(queue.name), "\(queue.name)")
        }
        // Anchored: a queue whose name merely contains a work queue's is not covered.
        #expect(try !matches("router.reports.dlq"))
        #expect(try !matches("x.router.reports"))
    }

    @Test("at-least-once needs reject-publish overflow, and no queue argument overrides either key")
    func definition() {
        let policy = Open137Topology.deadLetteringPolicy
        #expect(policy.definition == ["dead-letter-strategy": .string("at-least-once"), "overflow": .string("reject-publish")])
        #expect(policy.applyTo == .queues)
        #expect(Open137Topology.all.policies == [policy])
        for queue in Open137Topology.all.queues {
            #expect(queue.arguments["x-dead-letter-strategy"] == nil && queue.arguments["x-overflow"] == nil, "\(queue.name)")
            // At-least-once is a quorum-queue feature.
            #expect(queue.arguments["x-queue-type"] == .string("quorum"), "\(queue.name)")
        }
    }

    @Test("services declare no policy; only the whole topology (the administrator's) carries it")
    func servicesDeclareNone() {
        for service in ServiceName.allCases {
            #expect(Open137Topology.topology(for: service).policies.isEmpty)
        }
    }
}
