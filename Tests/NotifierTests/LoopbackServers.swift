import Foundation
import Hummingbird
import JSON
import NIOCore
import NotifierService
import TestSupport

/// What the fake SMS gateway and webhook receiver saw.
actor LoopbackRecorder {
    /// One request as received.
    struct Request: Sendable {
        var path: String
        var headers: [String: String]
        var body: [UInt8]
        var status: Int
    }

    private(set) var requests: [Request] = []
    private var answered: [String: Int] = [:]

    func record(_ request: Request) { requests.append(request) }

    /// How many times `key` was asked before (then counts this one).
    func nextCount(_ key: String) -> Int {
        let count = answered[key, default: 0]
        answered[key] = count + 1
        return count
    }

    /// Requests on `path` whose body contains `text`.
    func requests(path: String, containing text: String) -> [Request] {
        requests.filter { $0.path == path && String(decoding: $0.body, as: UTF8.self).contains(text) }
    }
}

/// A Hummingbird server on loopback playing the SMS gateway (`POST /sms/messages`) and a webhook receiver
/// (`POST /hooks`, `POST /hooks/cli`) that checks `Open137-Signature` with `webhookSecret` and answers 401 to a bad one.
///
/// The gateway answers by the number: `…500` → 500 the first time then 200, `…400` → 400, else 200 with an id.
struct LoopbackServers {
    static let webhookSecret = "whsec-test-0123456789"
    static let gatewayKey = "gateway-key-0123456789"

    let port: Int
    let recorder = LoopbackRecorder()

    init() throws { port = try freePort() }

    func run() async throws {
        let router = Router()
        let recorder = recorder
        router.post("/sms/messages") { request, _ -> Response in
            let body = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            var status = 200
            if headers["authorization"] != "Bearer \(Self.gatewayKey)" {
                status = 401
            } else if case .object(let members)? = try? JSONValue.parse(body), case .string(let to)? = members["to"] {
                if to.hasSuffix("500") { status = await recorder.nextCount(to) == 0 ? 500 : 200 }
                if to.hasSuffix("400") { status = 400 }
            }
            await recorder.record(.init(path: "/sms", headers: headers, body: body, status: status))
            let answer = status == 200 ? #"{"id": "gw-\#(UUID().uuidString.prefix(8))"}"# : #"{"error": "number not allowed"}"#
            return Response(status: .init(code: status), body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
        // `/hooks` for the subscriptions of NOTIFIER_WEBHOOKS, `/hooks/cli` for those added with `open137 webhooks add`.
        for path in ["/hooks", "/hooks/cli"] {
            router.post(RouterPath(path)) { request, _ -> Response in
                let body = Array(buffer: try await request.body.collect(upTo: 1 << 20))
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName] = field.value }
                let valid = WebhookSignature.verify(
                    header: headers["open137-signature"] ?? "", secret: Self.webhookSecret, body: body, now: Int(Date().timeIntervalSince1970))
                await recorder.record(.init(path: path, headers: headers, body: body, status: valid ? 204 : 401))
                return Response(status: valid ? .noContent : .unauthorized)
            }
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: TestEnvironment.logger("loopback"))
        try await app.runService(gracefulShutdownSignals: [])
    }
}

/// Python's aiosmtpd (a real SMTP server) on loopback, writing each message into a maildir.
struct SMTPSink {
    let port: Int
    let folder: URL
    let process: Process

    static func start() throws -> SMTPSink {
        let port = try freePort()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("open137-mail-\(UUID().uuidString)")
        // A maildir: aiosmtpd's Mailbox handler writes into its tmp/new folders.
        for sub in ["tmp", "new", "cur"] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)", "-c", "aiosmtpd.handlers.Mailbox", folder.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return SMTPSink(port: port, folder: folder, process: process)
    }

    /// The raw messages received so far.
    func messages() -> [String] {
        let new = folder.appendingPathComponent("new")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: new.path)) ?? []
        return names.compactMap { try? String(contentsOf: new.appendingPathComponent($0), encoding: .utf8) }
    }

    /// Stops aiosmtpd (polling, not `waitUntilExit`, which can hang inside a test's async context on Linux).
    func stop() {
        process.terminate()
        for _ in 0..<40 where process.isRunning { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: folder)
    }
}
