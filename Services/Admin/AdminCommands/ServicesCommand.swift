import BrokerTopology
import ArgumentParser
import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceHosting
import StaffAccounts

/// `open137 services …`: the pipeline services' own identities on PostgreSQL and RabbitMQ.
public struct ServicesCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "services",
        abstract: "The services' own PostgreSQL roles and RabbitMQ users (each owns its schema and queues, nothing else).",
        subcommands: [Provision.self]
    )
    public init() {}

    /// `open137 services provision`: creates or repairs every service's role and user with new passwords.
    public struct Provision: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Give each service its own PostgreSQL role (owner of its schema only) and RabbitMQ user (its own queues "
                + "and exchanges only), with new random passwords, as the administrator of DATABASE_URL, AMQP_URL and "
                + "RABBITMQ_MANAGEMENT_URL; writes <SERVICE>_DATABASE_URL and <SERVICE>_AMQP_URL lines to --output (or prints them). "
                + "Every run sets new passwords: restart the services with the new URLs."
        )

        @Option(name: .shortAndLong, help: "Write the env lines to this file (mode 0600, must not exist) instead of printing them.")
        var output: String?
        @Option(help: "Only these services (repeatable: \(ServiceIdentity.all.map(\.name).joined(separator: ", "))); default: all.")
        var service: [String] = []

        public init() {}

        public func validate() throws {
            let known = Set(ServiceIdentity.all.map(\.name))
            if let unknown = service.first(where: { !known.contains($0) }) {
                throw ValidationError("unknown service \(unknown); one of \(known.sorted().joined(separator: ", "))")
            }
        }

        /// The services to provision: all, or the named ones.
        var identities: [ServiceIdentity] {
            service.isEmpty ? ServiceIdentity.all : ServiceIdentity.all.filter { service.contains($0.name) }
        }

        public func run() async throws {
            // Refuse an existing file before touching anything: passwords must never overwrite another file.
            if let output, FileManager.default.fileExists(atPath: output) {
                throw ValidationError("\(output) exists; name a new file")
            }
            let credentials = try await Self.provision(identities, environment: ProcessInfo.processInfo.environment, logger: ToolLogging.logger("services"))
            let lines = credentials.map(\.environmentLines).joined()
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: Data(lines.utf8), attributes: [.posixPermissions: 0o600]) else {
                    throw ValidationError("cannot write \(output)")
                }
                for credential in credentials {
                    let user = credential.identity.brokerUser.map { ", user \($0.name)" } ?? ""
                    print("\(credential.identity.name): role \(credential.identity.databaseRole)\(user); new passwords written to \(output)")
                }
            } else {
                print(lines, terminator: "")
            }
        }

        /// Provisions `identities` as the administrator of `environment` (`DATABASE_URL`, `AMQP_URL`,
        /// `RABBITMQ_MANAGEMENT_URL`): for each, the database role owning its schema and the broker user with
        /// its permissions, both with new passwords; returns each service's URLs.
        public static func provision(_ identities: [ServiceIdentity], environment: [String: String], logger: Logger) async throws -> [ServiceCredentials] {
            var config = EnvironmentConfig(environment: environment)
            let database = config.databaseURL(ServiceConfiguration.databaseURLKey)
            let amqp = config.url(ServiceConfiguration.amqpURLKey, schemes: ["amqp", "amqps"])
            try config.validate()
            let broker = try UnitsCommand.Provision.provisioner(environment: environment)
            guard let databaseText = environment[ServiceConfiguration.databaseURLKey] else {
                throw ProvisioningError(.misconfigured, "DATABASE_URL is not set")
            }
            let client = PostgresClient(configuration: database.clientConfiguration, backgroundLogger: logger)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                // PostGIS is not a trusted extension: the administrator creates it before any service migrates.
                try await DatabaseExtensions.ensure(client: client, logger: logger)
                let roles = ServiceRoleProvisioner(client: client, logger: logger)
                var results: [ServiceCredentials] = []
                // The staff accounts' schema belongs to no one service: a NOLOGIN owner, whose members are the
                // services with staff pages (their identities list it in memberOf).
                try await roles.provision(role: StaffDirectory.ownerRole, schema: StaffDirectory.schema, password: nil)
                for identity in identities {
                    let databasePassword = BrokerUserProvisioner.generatePassword()
                    try await roles.provision(role: identity.databaseRole, schemas: identity.schemas, password: databasePassword, memberOf: identity.memberOf)
                    var amqpURL: String?
                    if let user = identity.brokerUser {
                        let provisioned = try await broker.provision([user], rotate: true)
                        guard let brokerPassword = provisioned.first?.password else {
                            throw ProvisioningError(.unexpectedAnswer, "no new password for \(user.name)")
                        }
                        amqpURL = try Self.url(amqp, user: user.name, password: brokerPassword)
                    }
                    results.append(ServiceCredentials(
                        identity: identity,
                        databaseURL: try Self.url(databaseText, user: identity.databaseRole, password: databasePassword),
                        amqpURL: amqpURL))
                }
                return results
            }
        }

        /// `url` with its user and password replaced (the passwords are URL-safe base64: nothing to encode).
        /// An AMQP URL naming several brokers (a cluster's nodes) keeps its whole host list.
        static func url(_ url: String, user: String, password: String) throws(ProvisioningError) -> String {
            let hosts = url.hasPrefix("amqp") ? AMQPURLHosts(url) : nil
            guard var components = URLComponents(string: hosts?.firstHostURL ?? url), components.host != nil else {
                throw ProvisioningError(.misconfigured, "\(Redaction.redactURLCredentials(url)) is not a URL")
            }
            components.user = user
            components.password = password
            guard let result = components.string else {
                throw ProvisioningError(.misconfigured, "cannot build a URL from \(Redaction.redactURLCredentials(url))")
            }
            return hosts?.puttingHostList(into: result) ?? result
        }
    }
}
