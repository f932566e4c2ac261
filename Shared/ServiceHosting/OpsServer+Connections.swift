import Synchronization
import NIOCore

/// Every connection of one `OpsServer.run()`, from the moment its channel is initialized until it has
/// been served (or discarded), so graceful shutdown can close the ones that are idle and clean up the
/// ones swift-nio never delivered.
///
/// Why this exists: the listening `NIOAsyncChannel` hands accepted connections to `run()` through its
/// inbound stream only after the child initializer has run on the child's event loop. When the
/// listening socket is closed while that initializer is in flight (a graceful shutdown racing a new
/// connection), swift-nio drops the initialized connection: it never reaches the accept loop, and
/// depending on the timing it is either never registered (so its `IdleStateHandler` never arms and the
/// socket stays open forever) or registered and later released without its writer being finished
/// (a `NIOAsyncWriter` precondition failure). Keeping every connection here closes that window: a
/// connection not handed to `serve` is finished and closed by `run()` itself.
final class OpsConnectionTracker: Sendable {
    /// The error a connection accepted after shutdown began is rejected with; it never leaves swift-nio.
    struct ShuttingDown: Error {}

    /// One live connection.
    private struct Entry: Sendable {
        /// The connection, kept so its writer is finished even when nobody else serves it.
        var connection: OpsConnection
        /// Whether the accept loop handed it to `serve`.
        var claimed = false
        /// Whether a request started on it (then it is answered, not closed, on shutdown).
        var busy = false
    }

    /// The connections and whether shutdown has begun.
    private struct State: Sendable {
        var shuttingDown = false
        var entries: [ObjectIdentifier: Entry] = [:]
    }

    private let state = Mutex(State())

    /// Admits a newly accepted `channel` (on its event loop, from the child initializer): wraps it with
    /// `wrap` and records it, or, once shutdown has begun, closes it and throws.
    func admit(_ channel: any Channel, wrap: (any Channel) throws -> OpsConnection) throws -> OpsConnection {
        do {
            return try state.withLock { state in
                guard !state.shuttingDown else { throw ShuttingDown() }
                let connection = try wrap(channel)
                state.entries[ObjectIdentifier(channel)] = Entry(connection: connection)
                return connection
            }
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    /// Records that the accept loop handed `connection` to `serve`.
    func claim(_ connection: OpsConnection) {
        state.withLock { $0.entries[ObjectIdentifier(connection.channel)]?.claimed = true }
    }

    /// Marks a request as started on `connection`; false once shutdown has begun, when the connection
    /// (idle until now) has been closed and must not be answered.
    func beginRequest(on connection: OpsConnection) -> Bool {
        state.withLock { state in
            let id = ObjectIdentifier(connection.channel)
            if state.entries[id]?.busy == true { return true }
            guard !state.shuttingDown else { return false }
            state.entries[id]?.busy = true
            return true
        }
    }

    /// Forgets `connection` once it has been served or discarded.
    func remove(_ connection: OpsConnection) {
        _ = state.withLock { $0.entries.removeValue(forKey: ObjectIdentifier(connection.channel)) }
    }

    /// Begins shutdown (idempotent): no connection is admitted any more, and every connection without a
    /// request in progress is closed now; those with one are answered and then closed by `serve`.
    func beginShutdown() {
        let idle = state.withLock { state in
            state.shuttingDown = true
            return state.entries.values.filter { !$0.busy }.map(\.connection.channel)
        }
        for channel in idle {
            channel.close(promise: nil)
        }
    }

    /// Begins shutdown and returns the connections the accept loop never handed to `serve`; call it only
    /// after the accept loop has ended, when none can be handed over any more.
    func beginShutdownTakingUnclaimed() -> [OpsConnection] {
        beginShutdown()
        return state.withLock { state in
            state.entries.values.filter { !$0.claimed }.map(\.connection)
        }
    }
}
