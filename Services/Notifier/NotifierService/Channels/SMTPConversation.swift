import NIOCore

/// One SMTP connection's command/reply exchange over an async channel: reads CRLF lines into replies
/// (multi-line `250-…` continuations joined), writes commands. Used by one task only.
struct SMTPConversation {
    /// A server reply: its code and the text of each line.
    struct Reply {
        var code: Int
        var lines: [String]
    }

    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var pending: [UInt8] = []

    init(inbound: NIOAsyncChannelInboundStream<ByteBuffer>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    /// Reads one reply.
    mutating func reply() async throws -> Reply {
        var lines: [String] = []
        while true {
            let line = try await readLine()
            let bytes = Array(line.utf8)
            guard bytes.count >= 3, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)) else {
                throw SMTPError("the server sent something that is not an SMTP reply", transient: true)
            }
            lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
            if bytes.count == 3 || bytes[3] != UInt8(ascii: "-") { return Reply(code: code, lines: lines) }
        }
    }

    /// Sends `command` and reads its reply; a reply outside `expected` is an error (4xx transient, 5xx
    /// permanent) naming `step` (never the command itself, which may hold an address or credentials).
    mutating func command(_ command: String, step: String, expect expected: Set<Int>) async throws -> Reply {
        try await write(Array((command + "\r\n").utf8))
        return try await check(try await reply(), step: step, expect: expected)
    }

    /// Writes raw bytes.
    func write(_ bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// `reply` if its code is expected, else the error.
    func check(_ reply: Reply, step: String, expect expected: Set<Int>) throws -> Reply {
        guard expected.contains(reply.code) else {
            throw SMTPError("\(step): \(reply.lines.joined(separator: " ").prefix(200))", replyCode: reply.code, transient: reply.code < 500)
        }
        return reply
    }

    private mutating func readLine() async throws -> String {
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard pending.count < 64 * 1024 else { throw SMTPError("reply line too long", transient: true) }
            guard let chunk = try await inbound.next() else {
                throw SMTPError("the server closed the connection", transient: true)
            }
            pending += chunk.readableBytesView
        }
    }
}
