import ServiceHosting
import ArgumentParser
import BrokerTopology
import Foundation
import Messaging

/// `open137 topology …`: the broker objects of `Open137Topology`, declared on a broker or exported as a
/// RabbitMQ definitions file.
public struct TopologyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "topology",
        abstract: "Declare or export the broker topology (exchanges, quorum queues, dead-letter and retry queues).",
        subcommands: [Declare.self, Export.self]
    )
    public init() {}

    /// `open137 topology declare`: declares everything on the broker at AMQP_URL, then applies the policies
    /// through the management API at RABBITMQ_MANAGEMENT_URL and checks they are in effect.
    public struct Declare: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Declare every exchange, queue and binding (AMQP_URL), then apply and check the policies (RABBITMQ_MANAGEMENT_URL).",
            discussion: """
                The policies (at-least-once dead-lettering of the work and retry queues) cannot be set over AMQP. \
                They apply at once to queues that exist, messages kept: run this again on a broker set up before them. \
                Without the management API, import infra/rabbitmq/definitions.json instead (its "policies").
                """
        )
        @Flag(help: "Apply and check only the policies; declare no exchange, queue or binding (the services declare theirs on connect).")
        var policiesOnly = false
        public init() {}

        public func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            // Before touching the broker: a declaration without its policies would leave dead-lettering at-most-once.
            let policies = BrokerPolicies(api: try ManagementAPI.fromEnvironment(environment))
            let topology = Open137Topology.all
            if !policiesOnly {
                guard let url = environment["AMQP_URL"] else {
                    throw ValidationError("AMQP_URL is not set")
                }
                let configuration = try AMQPConfiguration(url: url, connectionName: "open137-topology")
                let publisher = AMQPPublisher(configuration: configuration, topology: topology, logger: ToolLogging.logger("topology"))
                try await publisher.waitUntilConnected(timeout: .seconds(15))
                await publisher.close()
                print("declared \(topology.exchanges.count) exchanges, \(topology.queues.count) queues, \(topology.bindings.count) bindings on \(configuration.redactedURL)")
            }
            try await policies.apply(topology.policies)
            try await policies.verify(Open137Topology.deadLetteringPolicy, queues: Open137Topology.deadLetteringQueues)
            print("applied \(topology.policies.map(\.name).joined(separator: ", ")) on \(policies.api.baseURL); in effect on every declared queue it names")
        }
    }

    /// `open137 topology export`: prints (or writes) the definitions file a stand-alone RabbitMQ imports.
    public struct Export: ParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "Print the RabbitMQ definitions JSON (infra/rabbitmq/definitions.json), the unit users without passwords.")
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
        var output: String?
        public init() {}

        public func run() throws {
            let json = RabbitMQDefinitions.render(Open137Topology.all, users: Open137Topology.brokerUsers)
            if let output {
                try json.write(toFile: output, atomically: true, encoding: .utf8)
            } else {
                print(json, terminator: json.hasSuffix("\n") ? "" : "\n")
            }
        }
    }
}
