import Foundation
import Logging
import Messaging

/// What the tests need from the stack `make test` started: the broker and database URLs, and a way to
/// stop and start the broker. A missing key is a failure that says what to run, never a silent skip.
public enum TestEnvironment {
    /// The error when the environment has no stack.
    public struct MissingStack: Error, CustomStringConvertible {
        /// The key that was missing.
        public let key: String
        public var description: String {
            "\(key) is not set: run the tests with `make test`, which starts a private RabbitMQ and PostgreSQL and exports it"
        }
    }

    /// `AMQP_URL` of the test broker.
    public static func amqpURL() throws -> String {
        try value("AMQP_URL")
    }

    /// `DATABASE_URL` of the test database.
    public static func databaseURL() throws -> String {
        try value("DATABASE_URL")
    }

    /// An AMQP configuration for the test broker with fast reconnects.
    public static func amqpConfiguration(name: String = "test", heartbeatSeconds: Int? = nil) throws -> AMQPConfiguration {
        var configuration = try AMQPConfiguration(url: try amqpURL(), connectionName: name)
        configuration.initialReconnectDelay = .milliseconds(50)
        configuration.maximumReconnectDelay = .milliseconds(500)
        if let heartbeatSeconds { configuration.heartbeatSeconds = heartbeatSeconds }
        return configuration
    }

    /// A logger for tests (quiet unless `TEST_LOG_LEVEL` says otherwise).
    public static func logger(_ label: String) -> Logger {
        var logger = Logger(label: label, factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }

    /// A name no other test run uses, for queues, exchanges and schemas.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Runs `infra/local/rabbitmq.sh <action>` against the test stack (`stop`, `start`, or `ctl …`).
    @discardableResult
    public static func broker(_ arguments: String...) throws -> String {
        _ = try value("OPEN137_STACK_DIR")
        let script = try RepositoryFiles.path("infra/local/rabbitmq.sh")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: try RepositoryFiles.root())
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw ScriptFailed(command: "rabbitmq.sh \(arguments.joined(separator: " "))", status: process.terminationStatus, output: text)
        }
        return text
    }

    /// A stack script that exited non-zero.
    public struct ScriptFailed: Error, CustomStringConvertible {
        /// What was run.
        public let command: String
        /// Its exit status.
        public let status: Int32
        /// What it printed.
        public let output: String
        public var description: String { "\(command) exited \(status): \(output)" }
    }

    private static func value(_ key: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[key], !value.isEmpty else {
            throw MissingStack(key: key)
        }
        return value
    }
}
