import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Applies a service's schema migrations once the database is reachable (retrying with backoff while it
/// is not), then stays up until shutdown so the group keeps running. Parts that need the schema wait on
/// `waitUntilMigrated()`; `/ready` reports `migrations` down until it is done.
public final class MigrationService: Service, Sendable {
    private let client: PostgresClient
    private let schema: String
    private let bundle: Bundle
    private let logger: Logger
    private let state = Mutex<State>(State())

    private struct State {
        var migrated = false
        var lastError: String?
        var waiters: [CheckedContinuation<Void, any Error>] = []
    }

    /// Migrations of `schema` from the `Migrations` folder of `bundle` (a service target's `Bundle.module`).
    public init(client: PostgresClient, schema: String, bundle: Bundle, logger: Logger) {
        self.client = client
        self.schema = schema
        self.bundle = bundle
        self.logger = logger
    }

    /// Whether the schema is migrated.
    public var isMigrated: Bool { state.withLock { $0.migrated } }

    /// For `/ready`.
    public func readiness() -> ReadinessResult {
        state.withLock { state in
            state.migrated ? .up : .down("schema \(schema) not migrated yet" + (state.lastError.map { ": \($0)" } ?? ""))
        }
    }

    /// Returns once migrated; throws `CancellationError` if the service stops first.
    public func waitUntilMigrated() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let ready = state.withLock { state -> Bool in
                if state.migrated { return true }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    public func run() async throws {
        var delay = Duration.milliseconds(200)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let report = try await Migrator(client: client, logger: logger).migrate(schema: schema, bundle: bundle)
                logger.info("schema migrated", metadata: ["schema": "\(schema)", "applied": "\(report.applied.count)"])
                let waiters = state.withLock { state in
                    state.migrated = true
                    state.lastError = nil
                    defer { state.waiters = [] }
                    return state.waiters
                }
                for waiter in waiters { waiter.resume() }
                break
            } catch let error as PersistenceError where error.code == .checksumMismatch || error.code == .migrationFailed || error.code == .invalidMigration {
                // A broken migration does not heal by waiting: stop the service with the reason.
                failWaiters(error)
                throw error
            } catch {
                state.withLock { $0.lastError = "\(error)" }
                logger.warning("database not reachable for migrations; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
        try? await gracefulShutdown()
        failWaiters(CancellationError())
    }

    private func failWaiters(_ error: any Error) {
        let waiters = state.withLock { state in
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(throwing: error) }
    }
}

/// Runs a service only after the schema is migrated (the outbox relay needs its table).
public struct AfterMigrations: Service {
    private let migrations: MigrationService
    private let service: any Service

    /// Wraps `service` so it starts once `migrations` is done.
    public init(_ migrations: MigrationService, _ service: any Service) {
        self.migrations = migrations
        self.service = service
    }

    public func run() async throws {
        do {
            try await migrations.waitUntilMigrated()
        } catch is CancellationError {
            return
        }
        try await service.run()
    }
}
