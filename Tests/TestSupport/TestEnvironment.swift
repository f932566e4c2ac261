import Foundation
#if canImport(Glibc)
import Glibc
#endif
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

    /// The reopen key (`OPEN137_REOPEN_KEY`) the tests give intake and the notifier.
    public static let reopenKey = "test-reopen-key-0123456789abcdef-0123456789"

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
        try stackScript("rabbitmq.sh", arguments)
    }

    /// Runs `infra/local/rabbitmq-cluster.sh <action>` against the test stack's three-node cluster
    /// (`node-kill 2`, `node-start 2`, `leaders`, …).
    @discardableResult
    public static func cluster(_ arguments: String...) throws -> String {
        try stackScript("rabbitmq-cluster.sh", arguments)
    }

    /// Runs `infra/local/<name> <arguments>` with the test stack's environment; its output, or `ScriptFailed`.
    private static func stackScript(_ name: String, _ arguments: [String]) throws -> String {
        _ = try value("OPEN137_STACK_DIR")
        let script = try RepositoryFiles.path("infra/local/\(name)")
        let root = try RepositoryFiles.root()
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("open137-broker-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        func quoted(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        // Output goes to a file, not a pipe (the broker started in the background would hold a pipe open),
        // and the script is waited for with waitpid: Foundation's Process.waitUntilExit was seen to hang here.
        let command = "cd \(quoted(root)) && exec bash \(quoted(script)) \(arguments.map(quoted).joined(separator: " ")) > \(quoted(outputPath)) 2>&1"
        var pid: pid_t = 0
        let words: [String] = ["/bin/bash", "-c", command]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let spawned = posix_spawn(&pid, "/bin/bash", nil, nil, argv, environ)
        guard spawned == 0 else {
            throw ScriptFailed(command: "\(name) \(arguments.joined(separator: " "))", status: spawned, output: "posix_spawn failed")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exitStatus = (status >> 8) & 0xff
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard exitStatus == 0 else {
            throw ScriptFailed(command: "\(name) \(arguments.joined(separator: " "))", status: exitStatus, output: text)
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
