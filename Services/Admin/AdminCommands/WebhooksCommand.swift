import ArgumentParser
import Contracts
import Foundation
import NotifierService
import Persistence
import PostgresNIO
import ServiceHosting
import Stages

/// `open137 webhooks …`: the notifier's webhook subscriptions (stored in its schema, like those of
/// `NOTIFIER_WEBHOOKS`; a running notifier uses a change within a second).
public struct WebhooksCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "Manage the notifier's webhook subscriptions (reads DATABASE_URL; running notifiers pick changes up within a second).",
        subcommands: [Add.self, List.self, Remove.self]
    )
    public init() {}

    /// Runs `body` with the notifier's store on `DATABASE_URL`, its schema migrated first (idempotent, safe
    /// beside a running notifier).
    static func withStore<T: Sendable>(_ body: (NotificationStore) async throws -> T) async throws -> T {
        var environment = EnvironmentConfig()
        let database = environment.databaseURL(ServiceConfiguration.databaseURLKey)
        try environment.validate()
        let logger = ToolLogging.logger("webhooks")
        let configuration = StageRuntime.clientConfiguration(database.clientConfiguration, schema: NotifierStage.schema)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await client.run(); return nil }
            defer { group.cancelAll() }
            try await Migrator(client: client, logger: logger).migrate(schema: NotifierStage.schema, bundle: NotifierStage.migrationsBundle)
            let store = NotificationStore(client: client, outbox: try Outbox(schema: NotifierStage.schema), logger: logger)
            return try await body(store)
        }
    }

    /// `open137 webhooks add URL --events 'report.*' --secret S`.
    public struct Add: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Subscribe URL to report events; each is POSTed as its CloudEvent JSON, signed with the secret (Open137-Signature). "
                + "The same URL and patterns again replace the secret."
        )

        @Argument(help: "Where to POST the events (http:// or https://).")
        var url: String
        @Option(help: "Event type patterns, comma-separated or repeated: report.* (one word), report.# (any), report.escalated.")
        var events: [String]
        @Option(help: "The shared secret the receiver verifies Open137-Signature with.")
        var secret: String

        public init() {}

        /// The patterns, with comma-separated lists split and blanks dropped.
        var patterns: [String] {
            events.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        /// The subscription asked for, or a validation error naming the part at fault.
        func request() throws -> WebhookSubscriptionRequest {
            do {
                return try WebhookSubscriptionRequest.validated(url: url, events: patterns, secret: secret)
            } catch {
                throw ValidationError("\(error.field == "url" ? "URL" : "--" + error.field): \(error.message)")
            }
        }

        public func validate() throws {
            _ = try request()
        }

        public func run() async throws {
            let request = try request()
            print(try await WebhooksCommand.withStore { try await add(request, to: $0) })
        }

        /// Stores the subscription and answers the line to print (no secret in it).
        public func add(_ request: WebhookSubscriptionRequest, to store: NotificationStore) async throws -> String {
            let (id, created) = try await store.saveSubscription(request)
            let events = request.events.joined(separator: ",")
            return created
                ? "webhook \(id) added: \(request.url) events \(events)"
                : "webhook \(id) exists (\(request.url) events \(events)): secret replaced"
        }
    }

    /// `open137 webhooks list`.
    public struct List: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "List the subscriptions: id, URL, event patterns, when added (never the secrets).")

        public init() {}

        public func run() async throws {
            print(try await WebhooksCommand.withStore { try await Self.listing($0.listSubscriptions()) }, terminator: "")
        }

        /// The subscriptions as tab-separated lines under a header.
        public static func listing(_ subscriptions: [StoredWebhookSubscription]) -> String {
            let formatter = ISO8601DateFormatter()
            var text = "id\turl\tevents\tadded\n"
            for subscription in subscriptions {
                text += "\(subscription.id)\t\(subscription.url)\t\(subscription.events.joined(separator: ","))\t\(formatter.string(from: subscription.createdAt))\n"
            }
            return text
        }
    }

    /// `open137 webhooks remove ID|URL`.
    public struct Remove: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Remove a subscription by its id, or every subscription to a URL; their pending notifications are not sent."
        )

        @Argument(help: "A subscription id (from list) or a URL.")
        var target: String

        public init() {}

        public func validate() throws {
            guard Int64(target) != nil || target.hasPrefix("http://") || target.hasPrefix("https://") else {
                throw ValidationError("give a subscription id (open137 webhooks list) or an http(s) URL, not '\(target)'")
            }
        }

        public func run() async throws {
            print(try await WebhooksCommand.withStore { try await remove(from: $0) })
        }

        /// Removes what `target` names and answers the line to print; throws when nothing matched.
        public func remove(from store: NotificationStore) async throws -> String {
            let removed: [StoredWebhookSubscription]
            if let id = Int64(target) {
                removed = try await store.removeSubscription(id: id).map { [$0] } ?? []
            } else {
                removed = try await store.removeSubscriptions(url: target)
            }
            guard !removed.isEmpty else { throw WebhookNotFound(target: target) }
            return removed.map { "webhook \($0.id) removed: \($0.url) events \($0.events.joined(separator: ","))" }.joined(separator: "\n")
        }
    }
}
