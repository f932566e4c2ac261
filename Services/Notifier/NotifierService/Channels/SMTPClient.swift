import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// A small SMTP client (RFC 5321) on swift-nio: one connection per message — EHLO, STARTTLS when
/// configured (then EHLO again), AUTH PLAIN (or LOGIN when only that is offered) when configured, MAIL
/// FROM (with BODY=8BITMIME when offered), RCPT TO, DATA with dot-stuffing, QUIT.
public struct SMTPClient: Sendable {
    /// The server and the sender.
    public let configuration: SMTPConfiguration
    /// The limit of one whole conversation.
    public let timeout: Duration

    /// Creates a client.
    public init(configuration: SMTPConfiguration, timeout: Duration) {
        self.configuration = configuration
        self.timeout = timeout
    }

    /// Sends one message to `recipient`; returns the server's reply to the end of DATA (often its queue id).
    public func send(to recipient: String, data: [UInt8]) async throws -> String {
        try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask { try await converse(recipient: recipient, data: data) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw SMTPError("timed out", transient: true)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    private func converse(recipient: String, data: [UInt8]) async throws -> String {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw SMTPError("could not connect to the SMTP server", transient: true)
        }
        let configuration = configuration
        return try await channel.executeThenClose { inbound, outbound in
            var smtp = SMTPConversation(inbound: inbound, outbound: outbound)
            _ = try smtp.check(try await smtp.reply(), step: "greeting", expect: [220])
            var ehlo = try await smtp.command("EHLO \(configuration.heloName)", step: "EHLO", expect: [250])
            if configuration.startTLS {
                guard Self.extensions(ehlo).keys.contains("STARTTLS") else {
                    throw SMTPError("STARTTLS is configured but the server does not offer it", transient: false)
                }
                _ = try await smtp.command("STARTTLS", step: "STARTTLS", expect: [220])
                let context = try NIOSSLContext(configuration: .makeClientConfiguration())
                let handler = try NIOSSLClientHandler(context: context, serverHostname: configuration.host)
                try await channel.channel.pipeline.addHandler(handler, position: .first)
                ehlo = try await smtp.command("EHLO \(configuration.heloName)", step: "EHLO after STARTTLS", expect: [250])
            }
            let extensions = Self.extensions(ehlo)
            if let username = configuration.username, let password = configuration.password {
                let mechanisms = Set((extensions["AUTH"] ?? "").uppercased().split(separator: " ").map(String.init))
                if mechanisms.contains("PLAIN") || !mechanisms.contains("LOGIN") {
                    let token = Data(Array("\0\(username)\0\(password)".utf8)).base64EncodedString()
                    _ = try await smtp.command("AUTH PLAIN \(token)", step: "AUTH PLAIN", expect: [235])
                } else {
                    _ = try await smtp.command("AUTH LOGIN", step: "AUTH LOGIN", expect: [334])
                    _ = try await smtp.command(Data(Array(username.utf8)).base64EncodedString(), step: "AUTH LOGIN user", expect: [334])
                    _ = try await smtp.command(Data(Array(password.utf8)).base64EncodedString(), step: "AUTH LOGIN password", expect: [235])
                }
            }
            let body = extensions.keys.contains("8BITMIME") ? " BODY=8BITMIME" : ""
            _ = try await smtp.command("MAIL FROM:<\(configuration.from)>\(body)", step: "MAIL FROM", expect: [250])
            _ = try await smtp.command("RCPT TO:<\(recipient)>", step: "RCPT TO", expect: [250, 251])
            _ = try await smtp.command("DATA", step: "DATA", expect: [354])
            try await smtp.write(data + Array(".\r\n".utf8))
            let accepted = try smtp.check(try await smtp.reply(), step: "end of DATA", expect: [250])
            // The message is accepted; a failing QUIT changes nothing.
            _ = try? await smtp.command("QUIT", step: "QUIT", expect: [221])
            return accepted.lines.joined(separator: " ")
        }
    }

    /// EHLO's extension keywords (upper case) with their parameters.
    static func extensions(_ reply: SMTPConversation.Reply) -> [String: String] {
        var result: [String: String] = [:]
        for line in reply.lines.dropFirst() {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard let keyword = parts.first else { continue }
            result[keyword.uppercased()] = parts.count > 1 ? parts[1] : ""
        }
        return result
    }
}
