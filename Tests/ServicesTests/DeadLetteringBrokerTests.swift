@testable import AdminCommands
import BrokerTopology
import Foundation
import JSON
import Messaging
import Testing
import TestSupport

/// At-least-once dead-lettering on the real broker: `open137 topology declare`'s policy code puts
/// `Open137Topology.deadLetteringPolicy` in effect on every work and retry queue, whose dead-letter targets
/// are bound; and with that policy's definition a dead letter whose target refuses it stays in its source
/// queue, where at-most-once (the broker's default) drops it. The broker-restart case is `make chaos`'s.
@Suite("At-least-once dead-lettering", .timeLimit(.minutes(1)))
struct DeadLetteringBrokerTests {
    let logger = TestEnvironment.logger("dead-lettering-tests")

    private func management() throws -> ManagementAPI {
        try ManagementAPI.fromEnvironment(ProcessInfo.processInfo.environment)
    }

    /// The management API's view of `queue` (its counters appear a second or so after it exists).
    private func queueInfo(_ api: ManagementAPI, _ queue: String) async throws -> JSONValue {
        try await api.send(.GET, "api/queues/%2F/\(ManagementAPI.escape(queue))", accept: [200], what: "reading \(queue)").body
    }

    /// Polls `queue`'s counters until `done` holds them, for at most 15 s.
    private func waitFor(_ api: ManagementAPI, _ queue: String, _ what: String, _ done: @escaping @Sendable (JSONValue) -> Bool) async throws {
        try await withTimeout(.seconds(15), "\(queue): \(what)") {
            while !done(try await queueInfo(api, queue)) { try await Task.sleep(for: .milliseconds(200)) }
        }
    }

    @Test("the declare's check names a policy that outranks ours, a queue argument that overrides it, and missing statistics")
    func effectiveCheck() {
        let policy = Open137Topology.deadLetteringPolicy
        let ours: JSONValue = ["dead-letter-strategy": "at-least-once", "overflow": "reject-publish"]
        #expect(BrokerPolicies.problem(of: policy, onQueue: ["policy": .string(policy.name), "effective_policy_definition": ours, "arguments": [:]]) == nil)
        let shadowed = BrokerPolicies.problem(of: policy, onQueue: ["policy": "catch-all", "effective_policy_definition": ["max-length": 10], "arguments": [:]])
        #expect(shadowed == "effective policy catch-all has dead-letter-strategy = unset, not at-least-once")
        let overridden = BrokerPolicies.problem(of: policy, onQueue: [
            "policy": .string(policy.name), "effective_policy_definition": ours, "arguments": ["x-overflow": "drop-head"],
        ])
        #expect(overridden == "queue argument x-overflow is drop-head, not reject-publish")
        #expect(BrokerPolicies.problem(of: policy, onQueue: ["name": "router.reports"])?.contains("no policy yet") == true)
    }

    @Test("the policy is in effect on every work and retry queue, and each work queue's DLQ is bound")
    func policyOnTheRealQueues() async throws {
        let api = try management()
        // The queues and the dead-letter bindings only: binding the work queues to the events exchange would
        // collect every event the other tests publish in queues no test consumes.
        let all = Open137Topology.all
        let deadLetterBindings = all.bindings.filter { $0.exchange == Open137Topology.deadLetterExchange }
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "dead-lettering"),
                                      topology: Topology(exchanges: all.exchanges, queues: all.queues, bindings: deadLetterBindings), logger: logger)
        try await publisher.waitUntilConnected()
        await publisher.close()

        let policies = BrokerPolicies(api: api)
        try await policies.apply(all.policies)
        try await policies.verify(Open137Topology.deadLetteringPolicy, queues: Open137Topology.deadLetteringQueues, timeout: .seconds(15))

        for queue in Open137Topology.deadLetteringQueues {
            let info = try await queueInfo(api, queue)
            #expect(info["effective_policy_definition"]?["dead-letter-strategy"] == .string("at-least-once"), "\(queue)")
            #expect(info["effective_policy_definition"]?["overflow"] == .string("reject-publish"), "\(queue)")
            #expect(info["type"] == .string("quorum"), "\(queue)")
        }
        // A DLQ is a target, not a source: the policy leaves it alone.
        let dlq = try await queueInfo(api, "router.reports.dlq")
        #expect(dlq["policy"] != .string(Open137Topology.deadLetteringPolicy.name))

        // At-least-once keeps a message until a target confirms it: each work queue's dead letters must route.
        let bound = try await api.send(.GET, "api/exchanges/%2F/\(ManagementAPI.escape(Open137Topology.deadLetterExchange))/bindings/source",
                                       accept: [200], what: "reading the dead-letter bindings").body
        let routes = Set((bound.arrayValue ?? []).compactMap { binding -> String? in
            guard let key = binding["routing_key"]?.stringValue, let queue = binding["destination"]?.stringValue else { return nil }
            return "\(key)>\(queue)"
        })
        for work in Open137Topology.workQueues {
            #expect(routes.contains("\(work.name)>\(work.deadLetterQueue)"), "\(work.name) dead-letters to nothing")
        }
    }

    @Test("a dead letter its target refuses stays in the source queue with the policy, and is lost without it")
    func refusedDeadLetterIsKept() async throws {
        let api = try management()
        let prefix = TestEnvironment.uniqueName("dead-lettering")
        let exchange = "\(prefix).dlx", refusing = "\(prefix).dlq"
        let work = "\(prefix).work", retry = "\(prefix).retry", plain = "\(prefix).plain"
        // The production policy's definition on this test's own queues (the shared ones are other tests' to use).
        let production = Open137Topology.deadLetteringPolicy
        let policy = PolicyDefinition(name: prefix, pattern: "^\(prefix)\\.(work|retry)$", priority: production.priority, definition: production.definition)
        let quorum: AMQPFieldValue = .string("quorum")
        let topology = Topology(
            exchanges: [ExchangeDefinition(name: exchange, kind: .topic)],
            queues: [
                // A target that takes nothing: a classic queue (which enforces its limit on every publish) of length 0.
                QueueDefinition(name: refusing, arguments: ["x-queue-type": .string("classic"), "x-max-length": .int(0), "x-overflow": .string("reject-publish")]),
                // Like a work queue: rejected messages go to the dead-letter exchange.
                QueueDefinition(name: work, arguments: ["x-queue-type": quorum, "x-dead-letter-exchange": .string(exchange)]),
                // Like a retry queue: after its TTL a message goes through the default exchange to a queue by name.
                QueueDefinition(name: retry, arguments: [
                    "x-queue-type": quorum, "x-message-ttl": .int(100), "x-dead-letter-exchange": .string(""), "x-dead-letter-routing-key": .string(refusing),
                ]),
                // The same work queue without the policy: at-most-once.
                QueueDefinition(name: plain, arguments: ["x-queue-type": quorum, "x-dead-letter-exchange": .string(exchange)]),
            ],
            bindings: [BindingDefinition(exchange: exchange, queue: refusing, routingKey: "#")],
            policies: [policy])
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "dead-lettering-refused"), topology: topology, logger: logger)
        do {
            try await publisher.waitUntilConnected()
            let policies = BrokerPolicies(api: api)
            try await policies.apply(topology.policies)
            try await policies.verify(policy, queues: [work, retry], timeout: .seconds(15))

            for queue in [work, retry, plain] {
                try await publisher.publish(OutgoingMessage(exchange: "", routingKey: queue, body: Array("dead letter from \(queue)".utf8)))
            }
            // basic.get and reject without requeue: the broker dead-letters the message (as at the delivery limit).
            for queue in [work, plain] {
                let got = try await api.send(.POST, "api/queues/%2F/\(ManagementAPI.escape(queue))/get",
                                             body: ["count": 1, "ackmode": "reject_requeue_false", "encoding": "auto"], accept: [200], what: "rejecting from \(queue)")
                #expect(got.body.arrayValue?.count == 1, "\(queue) had its message")
            }

            // Kept: counted in the source queue as dead-lettered, waiting for a target to confirm it.
            for queue in [work, retry] {
                try await waitFor(api, queue, "one message held for dead-lettering") { $0["messages_dlx"] == .number(1) && $0["messages"] == .number(1) }
            }
            // Lost: gone from its queue and not in the target.
            try await waitFor(api, plain, "empty") { $0["messages"] == .number(0) && $0["messages_dlx"] == .number(0) }
            try await waitFor(api, refusing, "empty") { $0["messages"] == .number(0) }
        } catch {
            await cleanUp(api, publisher, topology)
            throw error
        }
        await cleanUp(api, publisher, topology)
    }

    /// Deletes the test's queues, exchange and policy (best effort: leftovers are uniquely named).
    private func cleanUp(_ api: ManagementAPI, _ publisher: AMQPPublisher, _ topology: Topology) async {
        await publisher.close()
        for queue in topology.queues {
            _ = try? await api.send(.DELETE, "api/queues/%2F/\(ManagementAPI.escape(queue.name))", accept: [204, 404], what: "deleting \(queue.name)")
        }
        for exchange in topology.exchanges {
            _ = try? await api.send(.DELETE, "api/exchanges/%2F/\(ManagementAPI.escape(exchange.name))", accept: [204, 404], what: "deleting \(exchange.name)")
        }
        for policy in topology.policies {
            _ = try? await api.send(.DELETE, "api/policies/%2F/\(ManagementAPI.escape(policy.name))", accept: [204, 404], what: "deleting \(policy.name)")
        }
    }
}
