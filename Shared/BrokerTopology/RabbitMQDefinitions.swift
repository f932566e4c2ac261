import JSON
import Messaging

/// Renders a `Topology` as a RabbitMQ definitions file — the JSON a stand-alone broker imports with
/// `load_definitions` in `rabbitmq.conf` or `rabbitmqctl import_definitions` — so the broker objects of
/// `infra/rabbitmq/definitions.json` come from the same code the services declare on (re)connect.
///
/// The vhost, exchanges, queues, bindings and policies are written and, when given, the units' and the council's
/// users with their permissions and topic permissions — without passwords: a user is written with an
/// empty `password_hash`, so it cannot log in until `open137 units provision` gives it a password on the
/// live broker (none is ever kept in the repository). Note that RabbitMQ applies an empty hash on every
/// import, so importing the file again takes the passwords away; provision again after it. The
/// vhost entry matters when the file is loaded at boot: RabbitMQ then seeds neither the default vhost nor
/// the default user, and silently skips objects of a vhost that does not exist. The output is
/// deterministic: objects have sorted keys, exchanges and queues are sorted by name, bindings by
/// source, destination and routing key, and the text is pretty-printed with two-space indentation and
/// a final newline.
public enum RabbitMQDefinitions {
    /// The definitions-file JSON of `topology`, every object placed in `vhost`.
    public static func render(_ topology: Topology, users: [BrokerUser] = [], vhost: String = "/") -> String {
        let exchanges = topology.exchanges
            .sorted { $0.name < $1.name }
            .map { exchange -> Node in
                .object([
                    "name": .string(exchange.name),
                    "vhost": .string(vhost),
                    "type": .string(exchange.kind.rawValue),
                    "durable": .bool(true),
                    "auto_delete": .bool(false),
                    "internal": .bool(false),
                    "arguments": .object([:]),
                ])
            }
        let queues = topology.queues
            .sorted { $0.name < $1.name }
            .map { queue -> Node in
                .object([
                    "name": .string(queue.name),
                    "vhost": .string(vhost),
                    "durable": .bool(true),
                    "auto_delete": .bool(false),
                    "arguments": .object(queue.arguments.mapValues(Node.init)),
                ])
            }
        let bindings = topology.bindings
            .sorted { ($0.exchange, $0.queue, $0.routingKey) < ($1.exchange, $1.queue, $1.routingKey) }
            .map { binding -> Node in
                .object([
                    "source": .string(binding.exchange),
                    "vhost": .string(vhost),
                    "destination": .string(binding.queue),
                    "destination_type": .string("queue"),
                    "routing_key": .string(binding.routingKey),
                    "arguments": .object([:]),
                ])
            }
        var members: [String: Node] = [
            "vhosts": .array([.object(["name": .string(vhost)])]),
            "exchanges": .array(exchanges),
            "queues": .array(queues),
            "bindings": .array(bindings),
        ]
        if !topology.policies.isEmpty {
            // The definitions file is the one way a broker without `open137 topology declare` gets them.
            members["policies"] = .array(topology.policies.sorted { $0.name < $1.name }.map { policy in
                .object([
                    "name": .string(policy.name),
                    "vhost": .string(vhost),
                    "pattern": .string(policy.pattern),
                    "apply-to": .string(policy.applyTo.rawValue),
                    "priority": .int(Int64(policy.priority)),
                    "definition": .object(policy.definition.mapValues(Node.init)),
                ])
            })
        }
        if !users.isEmpty {
            let sorted = users.sorted { $0.name < $1.name }
            members["users"] = .array(sorted.map { user in
                .object([
                    "name": .string(user.name),
                    // No password in the repository: an empty hash matches no password (provisioned later).
                    "password_hash": .string(""),
                    "hashing_algorithm": .string("rabbit_password_hashing_sha256"),
                    "tags": .array([]),
                    "limits": .object([:]),
                ])
            })
            members["permissions"] = .array(sorted.map { user in
                .object([
                    "user": .string(user.name), "vhost": .string(vhost),
                    "configure": .string(user.configure), "write": .string(user.write), "read": .string(user.read),
                ])
            })
            members["topic_permissions"] = .array(sorted.flatMap { user in
                user.topicPermissions.sorted { $0.exchange < $1.exchange }.map { topic in
                    Node.object([
                        "user": .string(user.name), "vhost": .string(vhost),
                        "exchange": .string(topic.exchange), "write": .string(topic.write), "read": .string(topic.read),
                    ])
                }
            })
        }
        let root = Node.object(members)
        var output = ""
        root.write(to: &output, indent: 0)
        output += "\n"
        return output
    }

    /// A JSON tree written with sorted keys; small enough to keep the output byte-identical on every
    /// platform (Foundation's pretty printer differs between Darwin and Linux).
    private indirect enum Node {
        case string(String)
        case int(Int64)
        case double(Double)
        case bool(Bool)
        case null
        case array([Node])
        case object([String: Node])

        /// AMQP table values as JSON: tables become objects, byte strings UTF-8 text, void null.
        init(_ value: AMQPFieldValue) {
            switch value {
            case .string(let s): self = .string(s)
            case .int(let i): self = .int(i)
            case .bool(let b): self = .bool(b)
            case .double(let d): self = .double(d)
            case .table(let t): self = .object(t.mapValues(Node.init))
            case .array(let a): self = .array(a.map(Node.init))
            case .bytes(let b): self = .string(String(decoding: b, as: UTF8.self))
            case .void: self = .null
            }
        }

        /// Appends this value, pretty-printed, at nesting depth `indent`.
        func write(to output: inout String, indent: Int) {
            let pad = String(repeating: "  ", count: indent + 1)
            let closingPad = String(repeating: "  ", count: indent)
            switch self {
            case .string(let s): output += JSONText.literal(s)
            case .int(let i): output += String(i)
            case .double(let d): output += d.isFinite ? String(d) : "null"
            case .bool(let b): output += b ? "true" : "false"
            case .null: output += "null"
            case .array(let items):
                if items.isEmpty { output += "[]"; return }
                output += "[\n"
                for (index, item) in items.enumerated() {
                    output += pad
                    item.write(to: &output, indent: indent + 1)
                    output += index == items.count - 1 ? "\n" : ",\n"
                }
                output += closingPad + "]"
            case .object(let members):
                if members.isEmpty { output += "{}"; return }
                output += "{\n"
                let keys = members.keys.sorted()
                for (index, key) in keys.enumerated() {
                    output += pad
                    output += JSONText.literal(key)
                    output += ": "
                    members[key]!.write(to: &output, indent: indent + 1)
                    output += index == keys.count - 1 ? "\n" : ",\n"
                }
                output += closingPad + "}"
            }
        }
    }
}
