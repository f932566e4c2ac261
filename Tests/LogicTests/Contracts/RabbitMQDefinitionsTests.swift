import BrokerTopology
import Foundation
import JSON
import Messaging
import Testing
import TestSupport

/// `RabbitMQDefinitions.render` and the committed `infra/rabbitmq/definitions.json`, which must be exactly
/// the rendering of `Open137Topology.all` with `Open137Topology.brokerUsers`. Regenerate it with
/// `OPEN137_WRITE_DEFINITIONS=1 swift test --filter RabbitMQDefinitionsTests` (or `open137 topology export`).
@Suite("RabbitMQ definitions file")
struct RabbitMQDefinitionsTests {
    /// The committed file, relative to the repository root.
    static let definitionsPath = "infra/rabbitmq/definitions.json"

    private func parse(_ text: String) throws -> JSONValue {
        try JSONDocuments.parse(json: Array(text.utf8))
    }

    @Test("the committed definitions file is the rendering of Open137Topology.all and its users")
    func committedFileMatches() throws {
        let path = try RepositoryFiles.path(Self.definitionsPath)
        let rendered = RabbitMQDefinitions.render(Open137Topology.all, users: Open137Topology.brokerUsers)
        if ProcessInfo.processInfo.environment["OPEN137_WRITE_DEFINITIONS"] == "1" {
            try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
            try Data(rendered.utf8).write(to: URL(fileURLWithPath: path))
        }
        let committed = try String(contentsOfFile: path, encoding: .utf8)
        guard committed != rendered else { return }
        let committedLines = committed.split(separator: "\n", omittingEmptySubsequences: false)
        let renderedLines = rendered.split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(committedLines, renderedLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(committedLines.count, renderedLines.count)
        Issue.record("""
            \(Self.definitionsPath) is stale from line \(line + 1) on (committed: \(line < committedLines.count ? String(committedLines[line]) : "<end>"), \
            rendered: \(line < renderedLines.count ? String(renderedLines[line]) : "<end>")); \
            run OPEN137_WRITE_DEFINITIONS=1 swift test --filter RabbitMQDefinitionsTests
            """)
    }

    @Test("every exchange, queue and binding is in the rendering with its attributes")
    func contents() throws {
        let topology = Open137Topology.all
        let root = try parse(RabbitMQDefinitions.render(topology))
        #expect(Set(root.objectValue?.keys.map { $0 } ?? []) == ["vhosts", "exchanges", "queues", "bindings", "policies"])
        #expect(root["vhosts"] == .array([.object(["name": .string("/")])]))

        let exchanges = try #require(root["exchanges"]?.arrayValue)
        #expect(exchanges.compactMap { $0["name"]?.stringValue } == topology.exchanges.map(\.name).sorted())
        for exchange in exchanges {
            #expect(exchange["type"] == .string("topic"))
            #expect(exchange["durable"] == .bool(true))
            #expect(exchange["auto_delete"] == .bool(false))
            #expect(exchange["internal"] == .bool(false))
            #expect(exchange["arguments"] == .object([:]))
            #expect(exchange["vhost"] == .string("/"))
        }

        let queues = try #require(root["queues"]?.arrayValue)
        #expect(queues.compactMap { $0["name"]?.stringValue } == topology.queues.map(\.name).sorted())
        let work = try #require(queues.first { $0["name"] == .string("router.reports") })
        #expect(work["durable"] == .bool(true))
        #expect(work["auto_delete"] == .bool(false))
        #expect(work["arguments"] == .object([
            "x-queue-type": .string("quorum"),
            "x-dead-letter-exchange": .string(Open137Topology.deadLetterExchange),
            "x-dead-letter-routing-key": .string("router.reports"),
            "x-delivery-limit": .number(Double(Open137Topology.deliveryLimit)),
        ]))
        let retry = try #require(queues.first { $0["name"] == .string("router.reports.retry") })
        #expect(retry["arguments"]?["x-message-ttl"] == .number(Double(Open137Topology.retryDelayMilliseconds)))
        #expect(retry["arguments"]?["x-dead-letter-exchange"] == .string(""))

        let bindings = try #require(root["bindings"]?.arrayValue)
        #expect(bindings.count == topology.bindings.count)
        #expect(bindings.allSatisfy { $0["destination_type"] == .string("queue") && $0["arguments"] == .object([:]) })
        let triples = Set(bindings.map { "\($0["source"]?.stringValue ?? "")|\($0["destination"]?.stringValue ?? "")|\($0["routing_key"]?.stringValue ?? "")" })
        #expect(triples == Set(topology.bindings.map { "\($0.exchange)|\($0.queue)|\($0.routingKey)" }))

        // The at-least-once dead-lettering policy, as a broker importing the file applies it.
        let policies = try #require(root["policies"]?.arrayValue)
        #expect(policies == [.object([
            "name": .string("open137-dead-letter-at-least-once"),
            "vhost": .string("/"),
            "pattern": .string(Open137Topology.deadLetteringPolicy.pattern),
            "apply-to": .string("queues"),
            "priority": .number(10),
            "definition": .object(["dead-letter-strategy": .string("at-least-once"), "overflow": .string("reject-publish")]),
        ])])
    }

    @Test("the unit and council users are written with their permissions and topic permissions, never a password")
    func users() throws {
        let text = RabbitMQDefinitions.render(Open137Topology.all, users: Open137Topology.brokerUsers)
        let root = try parse(text)
        #expect(Set(root.objectValue?.keys.map { $0 } ?? []) == ["vhosts", "exchanges", "queues", "bindings", "policies", "users", "permissions", "topic_permissions"])
        let users = try #require(root["users"]?.arrayValue)
        #expect(users.compactMap { $0["name"]?.stringValue } == Open137Topology.brokerUsers.map(\.name).sorted())
        #expect(users.allSatisfy { $0["password_hash"] == .string("") && $0["tags"] == .array([]) && $0["password"] == nil })
        let parks = try #require(root["permissions"]?.arrayValue?.first { $0["user"] == .string("unit-parks") })
        #expect(parks["read"] == .string(#"^unit\.parks$"#) && parks["write"] == .string(#"^open137\.unit-updates$"#) && parks["configure"] == .string("^$"))
        #expect(parks["vhost"] == .string("/"))
        let topics = try #require(root["topic_permissions"]?.arrayValue)
        #expect(topics.count == Open137Topology.brokerUsers.count)
        let parksTopic = try #require(topics.first { $0["user"] == .string("unit-parks") })
        #expect(parksTopic["exchange"] == .string("open137.unit-updates") && parksTopic["write"] == .string(#"^parks\.status$"#))
        // No unit may publish the reporter's reopenings.
        #expect(!topics.contains { $0["write"]?.stringValue?.contains("reporter") == true })
        // Without users, none of the three keys is written.
        #expect(try parse(RabbitMQDefinitions.render(Open137Topology.all))["users"] == nil)
    }

    @Test("the rendering does not depend on declaration order and is pretty-printed with sorted keys")
    func deterministic() throws {
        let topology = Open137Topology.all
        let shuffled = Topology(exchanges: topology.exchanges.reversed(), queues: topology.queues.reversed(), bindings: topology.bindings.reversed(),
                                policies: topology.policies.reversed())
        let rendered = RabbitMQDefinitions.render(topology)
        #expect(RabbitMQDefinitions.render(shuffled) == rendered)
        #expect(rendered.hasPrefix("{\n  \"bindings\": [\n    {\n      \"arguments\": {},\n      \"destination\": "))
        #expect(rendered.hasSuffix("}\n"))
    }

    @Test("a vhost and every AMQP field value kind render as JSON")
    func valueKinds() throws {
        let topology = Topology(
            exchanges: [ExchangeDefinition(name: "e \"quoted\"", kind: .fanout)],
            queues: [QueueDefinition(name: "q", arguments: [
                "s": .string("tab\there / ü"),
                "i": .int(-3),
                "b": .bool(true),
                "d": .double(0.25),
                "t": .table(["k": .array([.int(1), .void])]),
                "y": .bytes(Array("bytes".utf8)),
            ])],
            bindings: [BindingDefinition(exchange: "e \"quoted\"", queue: "q", routingKey: "")]
        )
        let root = try parse(RabbitMQDefinitions.render(topology, vhost: "open137"))
        #expect(root["exchanges"]?.arrayValue?.first?["name"] == .string("e \"quoted\""))
        #expect(root["exchanges"]?.arrayValue?.first?["type"] == .string("fanout"))
        #expect(root["exchanges"]?.arrayValue?.first?["vhost"] == .string("open137"))
        #expect(root["bindings"]?.arrayValue?.first?["vhost"] == .string("open137"))
        #expect(root["vhosts"] == .array([.object(["name": .string("open137")])]))
        #expect(root["queues"]?.arrayValue?.first?["arguments"] == .object([
            "s": .string("tab\there / ü"),
            "i": .number(-3),
            "b": .bool(true),
            "d": .number(0.25),
            "t": .object(["k": .array([.number(1), .null])]),
            "y": .string("bytes"),
        ]))
        #expect(RabbitMQDefinitions.render(Topology()) == """
            {
              "bindings": [],
              "exchanges": [],
              "queues": [],
              "vhosts": [
                {
                  "name": "/"
                }
              ]
            }

            """)
    }
}
