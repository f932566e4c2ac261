import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Plain POSIX listening sockets on 127.0.0.1 for the test peers (`BlackHoleListener`, `FreezableProxy`).
enum LoopbackSocket {
    /// A socket call failed.
    struct SetupFailed: Error, Sendable {
        /// `errno` of the failed call.
        let code: Int32
    }

    /// A socket listening on an ephemeral loopback port; `receiveBuffer` fixes `SO_RCVBUF` (inherited by
    /// accepted sockets, which then do not autotune).
    static func listen(backlog: Int32, receiveBuffer: Int32? = nil) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound, Glibc.listen(fd, backlog) == 0 else {
            let code = errno
            close(fd)
            throw SetupFailed(code: code)
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Accepts on `listener` until `stopped` says so, handing each connection to `accepted`, then closes
    /// the listener. Polls with a short timeout: closing a socket another thread blocks in `accept` on does
    /// not wake it.
    static func acceptUntil(_ stopped: () -> Bool, on listener: Int32, _ accepted: (Int32) -> Void) {
        while !stopped() {
            var fd = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&fd, 1, 100) > 0 else { continue }
            let client = accept(listener, nil, nil)
            if client >= 0 { accepted(client) }
        }
        close(listener)
    }
}
