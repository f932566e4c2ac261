import ArgumentParser
import BrokerTopology
import Foundation

/// `open137 units …`: the units' (and the council's) accounts on the broker.
public struct UnitsCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "units",
        abstract: "The units' and the council's RabbitMQ users (each reads only its own queue, publishes only its own status updates).",
        subcommands: [Provision.self]
    )
    public init() {}

    /// `open137 units provision`: creates or repairs every unit's user through the management API.
    public struct Provision: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Create each unit's and the council's user on the broker (RABBITMQ_MANAGEMENT_URL, as the administrator of AMQP_URL); "
                + "a new password is printed once (or written to --output); users that have one keep it; permissions are set every time."
        )

        @Option(name: .shortAndLong, help: "Write 'user password' lines to this file (mode 0600, must not exist) instead of printing the passwords.")
        var output: String?
        @Flag(help: "Give every user a new password, even those that have one.")
        var rotate = false
        @Option(help: "Only these units (repeatable; 'council' for the council); default: all.")
        var unit: [String] = []

        public init() {}

        public func validate() throws {
            let known = Set(Open137Topology.unitCodes + [Open137Topology.councilUser])
            if let unknown = unit.first(where: { !known.contains($0) }) {
                throw ValidationError("unknown unit \(unknown); one of \(known.sorted().joined(separator: ", "))")
            }
        }

        /// The users to provision: all, or the named units'.
        var users: [BrokerUser] {
            guard !unit.isEmpty else { return Open137Topology.brokerUsers }
            let names = Set(unit.map { $0 == Open137Topology.councilUser ? $0 : Open137Topology.unitUserName($0) })
            return Open137Topology.brokerUsers.filter { names.contains($0.name) }
        }

        public func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let provisioner = try Self.provisioner(environment: environment)
            // Refuse an existing file before touching the broker: passwords must never overwrite another file.
            if let output, FileManager.default.fileExists(atPath: output) {
                throw ValidationError("\(output) exists; name a new file")
            }
            let results = try await provisioner.provision(users, rotate: rotate)
            let lines = results.compactMap { result in result.password.map { "\(result.name) \($0)\n" } }.joined()
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: Data(lines.utf8), attributes: [.posixPermissions: 0o600]) else {
                    throw ValidationError("cannot write \(output)")
                }
            }
            for result in results {
                switch (result.password, output) {
                case (nil, _): print("\(result.name): exists, password kept; permissions set")
                case (.some, .some(let file)): print("\(result.name): new password written to \(file); permissions set")
                case (.some(let password), nil): print("\(result.name): new password \(password) (shown once); permissions set")
                }
            }
        }

        /// The provisioner from `RABBITMQ_MANAGEMENT_URL` and the administrator's credentials in its URL or in `AMQP_URL`.
        public static func provisioner(environment: [String: String]) throws -> BrokerUserProvisioner {
            BrokerUserProvisioner(api: try ManagementAPI.fromEnvironment(environment))
        }
    }
}
