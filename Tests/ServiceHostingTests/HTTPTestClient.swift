import Foundation
import NIOCore
import NIOPosix

/// A response read by `HTTPTestClient`.
struct HTTPTestResponse: Sendable {
    /// The status code.
    var status: Int
    /// Header values by lower-cased name.
    var headers: [String: String]
    /// The body as UTF-8 text.
    var body: String
}

/// An error of the test client.
struct HTTPTestClientError: Error, Sendable {
    /// What went wrong.
    var message: String
}

/// A minimal HTTP/1.1 client over a real TCP socket (swift-nio): sends one request with
/// `Connection: close` and reads the response until the server closes.
enum HTTPTestClient {
    /// Sends `method path` to `127.0.0.1:port` and returns the parsed response, failing after `timeout`.
    static func request(
        _ method: String = "GET",
        _ path: String,
        port: Int,
        timeout: Duration = .seconds(10)
    ) async throws -> HTTPTestResponse {
        try await withThrowingTaskGroup(of: HTTPTestResponse?.self) { group in
            group.addTask { try await send(method, path, port: port) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let response = first else {
                throw HTTPTestClientError(message: "\(method) \(path) timed out")
            }
            return response
        }
    }

    /// Whether something accepts TCP connections on `127.0.0.1:port`.
    static func isListening(port: Int) async -> Bool {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(2))
                .connect(host: "127.0.0.1", port: port)
                .get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }

    /// Opens a TCP connection to `127.0.0.1:port` that sends nothing; the caller closes it.
    static func openIdleConnection(port: Int) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(2))
            .connect(host: "127.0.0.1", port: port)
            .get()
    }

    /// Waits up to `timeout` for `channel` to be closed and returns whether it was. Bounded by an
    /// event-loop timer, since waiting on an `EventLoopFuture` ignores task cancellation.
    static func waitUntilClosed(_ channel: any Channel, within timeout: Duration) async -> Bool {
        let closed = channel.eventLoop.makePromise(of: Bool.self)
        channel.closeFuture.whenComplete { _ in closed.succeed(true) }
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) { closed.succeed(false) }
        defer { timer.cancel() }
        return (try? await closed.futureResult.get()) ?? false
    }

    /// Sends the request and reads until end of stream.
    private static func send(_ method: String, _ path: String, port: Int) async throws -> HTTPTestResponse {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(2))
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let raw = try await channel.executeThenClose { inbound, outbound in
            let request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
            try await outbound.write(ByteBuffer(string: request))
            var received = ByteBuffer()
            for try await chunk in inbound {
                var chunk = chunk
                received.writeBuffer(&chunk)
            }
            return String(buffer: received)
        }
        return try parse(raw)
    }

    /// Parses a complete HTTP/1.1 response with a `Content-Length` body.
    private static func parse(_ raw: String) throws -> HTTPTestResponse {
        guard let split = raw.range(of: "\r\n\r\n") else {
            throw HTTPTestClientError(message: "incomplete response: \(raw)")
        }
        let lines = raw[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw HTTPTestClientError(message: "bad status line: \(lines.first ?? "")")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return HTTPTestResponse(status: status, headers: headers, body: String(raw[split.upperBound...]))
    }
}
