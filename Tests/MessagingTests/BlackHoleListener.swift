import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A TCP listener on 127.0.0.1 that accepts connections and never says a word: what a broker port looks
/// like when the process behind it hangs, or a firewall or load balancer answers for a dead backend.
final class BlackHoleListener: Sendable {
    /// The port it listens on.
    let port: Int
    private let listener: Int32
    private let state = Mutex<(accepted: [Int32], stopped: Bool)>(([], false))

    /// Listens on an ephemeral loopback port and accepts on a thread of its own until `stop()`.
    init() throws {
        (listener, port) = try LoopbackSocket.listen(backlog: 64)
        let thread = Thread { [self] in acceptUntilStopped() }
        thread.start()
    }

    /// How many connections it has accepted so far.
    var acceptedCount: Int { state.withLock { $0.accepted.count } }

    /// Stops accepting and closes every connection it holds.
    func stop() {
        let fds = state.withLock { state -> [Int32] in
            state.stopped = true
            defer { state.accepted = [] }
            return state.accepted
        }
        for fd in fds { close(fd) }
    }

    private func acceptUntilStopped() {
        LoopbackSocket.acceptUntil({ state.withLock { $0.stopped } }, on: listener) { client in
            let kept = state.withLock { state -> Bool in
                if state.stopped { return false }
                state.accepted.append(client)
                return true
            }
            if !kept { close(client) }
        }
    }
}
