import Foundation
import JSON
import Messaging

/// Applies a topology's policies on a live broker through the management API and checks that they are in
/// effect on the queues they name. Idempotent: a policy is written on every run (so a run also repairs one
/// edited by hand), and RabbitMQ applies it at once to existing queues, messages kept.
public struct BrokerPolicies: Sendable {
    /// The management API, as the administrator.
    public let api: ManagementAPI
    /// The vhost the policies go to.
    public let vhost: String

    /// Policies written through `api` on `vhost`.
    public init(api: ManagementAPI, vhost: String = "/") {
        self.api = api
        self.vhost = vhost
    }

    /// Writes every policy (creates or replaces it).
    public func apply(_ policies: [PolicyDefinition]) async throws(ProvisioningError) {
        for policy in policies {
            _ = try await api.send(.PUT, "api/policies/\(ManagementAPI.escape(vhost))/\(ManagementAPI.escape(policy.name))", body: [
                "pattern": .string(policy.pattern),
                "apply-to": .string(policy.applyTo.rawValue),
                "priority": .number(Double(policy.priority)),
                "definition": .object(policy.definition.mapValues(Self.json)),
            ], accept: [201, 204], what: "setting policy \(policy.name)")
        }
    }

    /// Waits until each of `queues` that exists shows `policy`'s keys in its effective policy, with no
    /// queue argument overriding them, and throws naming every queue where that does not happen within
    /// `timeout`. The API shows a queue's policy with its statistics, a few seconds after the queue
    /// appears; a queue not declared yet is skipped (the policy reaches it when it is).
    public func verify(_ policy: PolicyDefinition, queues: [String], timeout: Duration = .seconds(30)) async throws(ProvisioningError) {
        let deadline = ContinuousClock.now + timeout
        var pending = queues
        var problems: [String: String] = [:]
        while true {
            var next: [String] = []
            for queue in pending {
                let answer = try await api.send(.GET, "api/queues/\(ManagementAPI.escape(vhost))/\(ManagementAPI.escape(queue))",
                                                accept: [200, 404], what: "reading queue \(queue)")
                guard answer.status == 200 else { problems[queue] = nil; continue }
                switch Self.problem(of: policy, onQueue: answer.body) {
                case .some(let problem):
                    problems[queue] = problem
                    next.append(queue)
                case nil:
                    problems[queue] = nil
                }
            }
            pending = next
            if pending.isEmpty { return }
            if ContinuousClock.now >= deadline { break }
            try? await Task.sleep(for: .milliseconds(500))
        }
        let list = pending.map { "\($0): \(problems[$0] ?? "unknown")" }.joined(separator: "; ")
        throw ProvisioningError(.policyNotEffective, "policy \(policy.name) is not in effect on \(pending.count) queue(s) after \(timeout): \(list)")
    }

    /// Why `policy` is not in effect on the queue the management API describes as `queue`, or nil when it is.
    static func problem(of policy: PolicyDefinition, onQueue queue: JSONValue) -> String? {
        guard let members = queue.objectValue, members.keys.contains("policy") else {
            return "the management API shows no policy yet (statistics not collected)"
        }
        let effective = members["effective_policy_definition"]?.objectValue ?? [:]
        let arguments = members["arguments"]?.objectValue ?? [:]
        let name = members["policy"]?.stringValue ?? "none"
        func text(_ value: JSONValue?) -> String { value.map { $0.stringValue ?? "\($0)" } ?? "unset" }
        for (key, value) in policy.definition.sorted(by: { $0.key < $1.key }) {
            let wanted = json(value)
            // A queue argument outranks a policy for these keys, so one set at declaration would win.
            if let argument = arguments["x-" + key], argument != wanted {
                return "queue argument x-\(key) is \(text(argument)), not \(text(wanted))"
            }
            if arguments["x-" + key] == nil, effective[key] != wanted {
                return "effective policy \(name) has \(key) = \(text(effective[key])), not \(text(wanted))"
            }
        }
        return nil
    }

    /// An AMQP table value as the JSON the management API reads and writes.
    static func json(_ value: AMQPFieldValue) -> JSONValue {
        switch value {
        case .string(let s): .string(s)
        case .int(let i): .number(Double(i))
        case .bool(let b): .bool(b)
        case .double(let d): .number(d)
        case .table(let t): .object(t.mapValues(json))
        case .array(let a): .array(a.map(json))
        case .bytes(let b): .string(String(decoding: b, as: UTF8.self))
        case .void: .null
        }
    }
}
