import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A TCP proxy on 127.0.0.1 in front of the broker whose open connections can be frozen: it keeps their
/// sockets open but stops reading and forwarding, so the client sees what a half-open connection or a hung
/// peer looks like — its writes fill the socket and then wait, with nothing closing it. Connections made
/// after a freeze are forwarded as usual, so a client that gives up on the frozen one can reconnect.
final class FreezableProxy: Sendable {
    /// The port it listens on.
    let port: Int
    private let listener: Int32
    private let target: sockaddr_in
    private let state = Mutex<(frozen: Set<Int32>, open: [Int32], stopped: Bool)>(([], [], false))

    /// Listens on an ephemeral loopback port and forwards to `host` (an IPv4 address or `localhost`):`targetPort`.
    init(host: String, targetPort: Int) throws {
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_addr.s_addr = inet_addr(host == "localhost" ? "127.0.0.1" : host)
        target.sin_port = in_port_t(UInt16(targetPort).bigEndian)
        self.target = target
        // A small, fixed receive buffer so that a few megabytes fill the client's path to a frozen connection.
        (listener, port) = try LoopbackSocket.listen(backlog: 16, receiveBuffer: 65_536)
        let thread = Thread { [self] in acceptUntilStopped() }
        thread.start()
    }

    /// Freezes every connection open right now.
    func freeze() {
        state.withLock { $0.frozen.formUnion($0.open) }
    }

    /// Stops the proxy and closes every socket it holds.
    func stop() {
        state.withLock { $0.stopped = true }
    }

    private var stopped: Bool { state.withLock { $0.stopped } }

    private func acceptUntilStopped() {
        LoopbackSocket.acceptUntil({ stopped }, on: listener) { client in
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = target
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            guard connected else {
                close(client)
                close(upstream)
                return
            }
            state.withLock { $0.open.append(client) }
            // One thread per direction: a proxy that blocks writing one way must still read the other, or
            // it would itself be the peer that stops reading.
            let closer = Closer(client, upstream)
            Thread { [self] in forward(from: client, to: upstream, frozenBy: client, closer) }.start()
            Thread { [self] in forward(from: upstream, to: client, frozenBy: client, closer) }.start()
        }
    }

    /// Copies bytes one way until either side closes, the proxy stops, or — frozen — only waits.
    private func forward(from source: Int32, to destination: Int32, frozenBy client: Int32, _ closer: Closer) {
        defer { closer.close() }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let (isFrozen, isStopped) = state.withLock { ($0.frozen.contains(client), $0.stopped) }
            if isStopped || closer.isClosed { return }
            if isFrozen {
                usleep(50_000)
                continue
            }
            var fd = pollfd(fd: source, events: Int16(POLLIN), revents: 0)
            guard poll(&fd, 1, 100) > 0 else { continue }
            let count = read(source, &buffer, buffer.count)
            if count <= 0 { return }
            var sent = 0
            while sent < count {
                let written = buffer.withUnsafeBytes { write(destination, $0.baseAddress! + sent, count - sent) }
                if written <= 0 { return }
                sent += written
            }
        }
    }

    /// Closes both sockets of a proxied connection once, when the first of its two threads ends.
    final class Closer: Sendable {
        private let fds: (Int32, Int32)
        private let closed = Mutex(false)

        /// Owns `first` and `second`.
        init(_ first: Int32, _ second: Int32) { fds = (first, second) }

        /// Whether the sockets are closed.
        var isClosed: Bool { closed.withLock { $0 } }

        /// Shuts both sockets down (which ends a blocked write on the other thread) and closes them.
        func close() {
            guard closed.withLock({ let was = $0; $0 = true; return !was }) else { return }
            _ = shutdown(fds.0, Int32(SHUT_RDWR))
            _ = shutdown(fds.1, Int32(SHUT_RDWR))
            Glibc.close(fds.0)
            Glibc.close(fds.1)
        }
    }
}
