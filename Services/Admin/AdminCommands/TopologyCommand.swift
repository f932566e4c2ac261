import ArgumentParser
import Events
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

    /// `open137 topology declare`: declares everything on the broker at AMQP_URL.
    public struct Declare: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "Declare every exchange, queue and binding (reads AMQP_URL).")
        public init() {}

        public func run() async throws {
            guard let url = ProcessInfo.processInfo.environment["AMQP_URL"] else {
                throw ValidationError("AMQP_URL is not set")
            }
            let configuration = try AMQPConfiguration(url: url, connectionName: "open137-topology")
            let topology = Open137Topology.all
            let publisher = AMQPPublisher(configuration: configuration, topology: topology, logger: AdminLogging.logger("topology"))
            try await publisher.waitUntilConnected(timeout: .seconds(15))
            await publisher.close()
            print("declared \(topology.exchanges.count) exchanges, \(topology.queues.count) queues, \(topology.bindings.count) bindings on \(configuration.redactedURL)")
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
