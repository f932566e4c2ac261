import ServiceHosting
import ArgumentParser
import BrokerTopology
import Foundation
import JSON
import Messaging

/// `open137 dlq …`: the dead-letter queues of `Open137Topology` (every work queue's `.dlq` and
/// `intake.rejected`) — their depth, their messages, replay to where a message came from, purge.
/// Errors go to standard error as one JSON line (`{"error": {"code": …}}`), exit 2 for a wrong
/// invocation and 1 for a broker failure.
public struct DLQCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "List, show, replay and purge the dead-letter queues (reads AMQP_URL).",
        subcommands: [List.self, Show.self, Replay.self, Purge.self]
    )
    public init() {}

    /// Runs `body` with a tool on `AMQP_URL` (the administrator: it declares the whole topology, reads and
    /// acks dead letters and publishes to every exchange), printing a `DLQError` as JSON and exiting with its status.
    static func withTool(_ body: (DeadLetterTool) async throws(DLQError) -> Void) async throws {
        let publisher: AMQPPublisher
        do throws(DLQError) {
            guard let url = ProcessInfo.processInfo.environment["AMQP_URL"], !url.isEmpty else {
                throw DLQError(code: "configuration", message: "AMQP_URL is not set", exitStatus: 2)
            }
            let configuration: AMQPConfiguration
            do {
                configuration = try AMQPConfiguration(url: url, connectionName: "open137-dlq")
            } catch {
                throw DLQError(code: "configuration", message: "AMQP_URL: \(error.message)", exitStatus: 2)
            }
            publisher = AMQPPublisher(configuration: configuration, topology: Open137Topology.all, logger: ToolLogging.logger("dlq"))
            do {
                try await publisher.waitUntilConnected(timeout: .seconds(15))
            } catch {
                await publisher.close()
                throw DLQError(code: "broker", message: error.description, exitStatus: 1)
            }
        } catch {
            try fail(error)
        }
        do throws(DLQError) {
            try await body(DeadLetterTool(publisher: publisher))
        } catch {
            await publisher.close()
            try fail(error)
        }
        await publisher.close()
    }

    /// Prints `error` as JSON on standard error and exits with its status.
    static func fail(_ error: DLQError) throws -> Never {
        FileHandle.standardError.write(Data((error.json + "\n").utf8))
        throw ExitCode(error.exitStatus)
    }

    /// Prints a JSON value as one line.
    static func printJSON(_ value: JSONValue) {
        var text = JSONText()
        text.value(value)
        print(text.text)
    }

    /// `open137 dlq list [--json]`.
    public struct List: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "Every dead-letter queue with its depth (messages ready).")
        @Flag(help: "Print JSON instead of a table.")
        var json = false
        public init() {}

        public func run() async throws {
            try await DLQCommand.withTool { tool throws(DLQError) in
                let depths = try await tool.depths()
                if json {
                    DLQCommand.printJSON(.object(["queues": .array(depths.map {
                        .object(["queue": .string($0.queue), "work_queue": .string($0.workQueue), "messages": .number(Double($0.messages))])
                    })]))
                } else {
                    print(Self.table(depths), terminator: "")
                }
            }
        }

        /// The depths as aligned columns under a header.
        public static func table(_ depths: [DeadLetterTool.Depth]) -> String {
            let width = max(5, depths.map(\.queue.count).max() ?? 0)
            func pad(_ text: String) -> String { text + String(repeating: " ", count: width - text.count) }
            return "\(pad("queue"))  messages\n" + depths.map { "\(pad($0.queue))  \($0.messages)\n" }.joined()
        }
    }

    /// `open137 dlq show QUEUE [--limit N] [--body] [--json]`.
    public struct Show: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "The messages of a dead-letter queue (left in place): id, type, reason, x-death, origin; bodies only with --body, "
                + "phone numbers and e-mail addresses masked."
        )
        @Argument(help: "The dead-letter queue (open137 dlq list).")
        var queue: String
        @Option(help: "At most this many messages, oldest first.")
        var limit = 20
        @Flag(help: "Print each body (masked).")
        var body = false
        @Flag(help: "Print JSON instead of text.")
        var json = false
        public init() {}

        public func validate() throws {
            guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        }

        public func run() async throws {
            try await DLQCommand.withTool { tool throws(DLQError) in
                let messages = try await tool.show(queue, limit: limit)
                if json {
                    DLQCommand.printJSON(.object(["queue": .string(queue), "messages": .array(messages.map { $0.json(body: body) })]))
                } else {
                    print(Self.text(messages, body: body), terminator: "")
                }
            }
        }

        /// The messages as indented blocks, one per message.
        public static func text(_ messages: [DeadLetterMessage], body: Bool) -> String {
            guard !messages.isEmpty else { return "(empty)\n" }
            return messages.map { message in
                guard case .object(let fields) = message.json(body: body) else { return "" }
                var lines = ["message \(message.messageID ?? "-")"]
                for key in ["type", "reason_code", "reason", "body_bytes"] {
                    lines.append("  \(key): \(Self.plain(fields[key]))")
                }
                lines.append("  origin: \(message.origin.map { "\($0.exchange) \($0.routingKey)" } ?? "unknown (replay leaves it here)")")
                for death in message.deaths {
                    let time = death.time.map { ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval($0))) } ?? "-"
                    lines.append("  x-death: queue \(death.queue), reason \(death.reason), count \(death.count), "
                        + "exchange \(death.exchange.isEmpty ? "(default)" : death.exchange), routing keys \(death.routingKeys.joined(separator: ",")), at \(time)")
                }
                if body { lines.append("  body: \(Self.plain(fields["body"]))") }
                return lines.joined(separator: "\n") + "\n"
            }.joined()
        }

        private static func plain(_ value: JSONValue?) -> String {
            switch value {
            case .string(let text)?: return text
            case .number(let number)?: return String(Int64(number))
            default: return "-"
            }
        }
    }

    /// `open137 dlq replay QUEUE [--limit N] [--message-id ID]`.
    public struct Replay: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Publish dead letters back to their original exchange and routing key (confirmed), then remove them; "
                + "a message whose origin is unknown stays."
        )
        @Argument(help: "The dead-letter queue (open137 dlq list).")
        var queue: String
        @Option(help: "At most this many messages.")
        var limit: Int?
        @Option(name: .customLong("message-id"), help: "Only the message(s) with this message id.")
        var messageID: String?
        public init() {}

        public func validate() throws {
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        public func run() async throws {
            try await DLQCommand.withTool { tool throws(DLQError) in
                let outcome = try await tool.replay(queue, limit: limit, messageID: messageID)
                for message in outcome.replayed {
                    print("replayed \(message.messageID ?? "-") to \(message.origin?.exchange ?? "") \(message.origin?.routingKey ?? "")")
                }
                for message in outcome.unknownOrigin {
                    print("left \(message.messageID ?? "-"): origin unknown")
                }
                for (message, error) in outcome.failed {
                    print("left \(message.messageID ?? "-"): \(error.description)")
                }
                print("replayed \(outcome.replayed.count), left \(outcome.unknownOrigin.count + outcome.failed.count)")
                if !outcome.failed.isEmpty {
                    throw DLQError(code: "replay-failed", message: "\(outcome.failed.count) message(s) not confirmed; left in \(queue)", exitStatus: 1)
                }
                if let messageID, outcome.replayed.isEmpty, outcome.unknownOrigin.isEmpty {
                    throw DLQError(code: "message-not-found", message: "no message \(messageID) in \(queue)", exitStatus: 1)
                }
            }
        }
    }

    /// `open137 dlq purge QUEUE [--message-id ID] --yes`.
    public struct Purge: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "Remove every message of a dead-letter queue, or one; needs --yes.")
        @Argument(help: "The dead-letter queue (open137 dlq list).")
        var queue: String
        @Option(name: .customLong("message-id"), help: "Only the message(s) with this message id.")
        var messageID: String?
        @Flag(help: "Really remove them.")
        var yes = false
        public init() {}

        public func run() async throws {
            guard yes else {
                try DLQCommand.fail(DLQError(code: "confirmation-required", message: "purge removes messages for good: add --yes", exitStatus: 2))
            }
            try await DLQCommand.withTool { tool throws(DLQError) in
                let removed = try await tool.purge(queue, messageID: messageID)
                for message in removed { print("purged \(message.messageID ?? "-")") }
                print("purged \(removed.count)")
                if let messageID, removed.isEmpty {
                    throw DLQError(code: "message-not-found", message: "no message \(messageID) in \(queue)", exitStatus: 1)
                }
            }
        }
    }
}
