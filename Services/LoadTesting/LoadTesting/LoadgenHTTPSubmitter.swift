import AsyncHTTPClient
import Foundation
import JSON
import NIOCore

/// Submits reports over intake's HTTP APIs — the native `POST /api/v1/reports` (JSON) or the Open311
/// `POST /open311/v2/requests.json` (form) — with an `Idempotency-Key` per report. A refused connection,
/// a 429 or a 5xx is retried with the same key (intake answers a repeat with the same report), so a
/// fault never makes a second report.
struct LoadgenHTTPSubmitter: LoadgenSubmitter {
    /// `http` (native) or `open311`.
    let channel: LoadgenChannel
    /// Intake's base URL.
    let baseURL: String
    /// The channel's API key.
    let apiKey: String
    /// The shared HTTP client.
    let client: HTTPClient

    /// Native channels a report may claim (the field `channel` of the native API).
    private static let nativeChannels = ["web", "app", "137-phone", "1888-web", "sms"]

    func submit(_ report: LoadgenReport, giveUpAt: ContinuousClock.Instant) async -> LoadgenOutcome {
        let key = UUID().uuidString.lowercased()
        var request: HTTPClientRequest
        switch channel {
        case .open311:
            request = HTTPClientRequest(url: baseURL + "/open311/v2/requests.json")
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: report.open311Form(apiKey: apiKey)))
        default:
            request = HTTPClientRequest(url: baseURL + "/api/v1/reports")
            request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: report.nativeBody(channel: Self.nativeChannels[report.sequence % Self.nativeChannels.count])))
        }
        request.method = .POST
        request.headers.add(name: "Idempotency-Key", value: key)
        var attempts = 0
        var backoff = Duration.milliseconds(50)
        var lastProblem = "no answer"
        while true {
            // A request never outlasts the give-up instant: an intake that accepts the connection and does
            // not answer would otherwise hold the load phase 30 s past it.
            let left = ContinuousClock.now.duration(to: giveUpAt)
            guard left > .zero else { return .gaveUp("\(channel.rawValue): \(lastProblem) after \(attempts) attempts") }
            let timeout = min(left, .seconds(30))
            attempts += 1
            do {
                let response = try await client.execute(request, timeout: TimeAmount(timeout))
                let body = try await response.body.collect(upTo: 1 << 16)
                let status = Int(response.status.code)
                if status == 200 || status == 201 {
                    guard let receipt = receipt(body, attempts: attempts) else { return .rejected("\(channel.rawValue): unreadable answer to a \(status)") }
                    return .accepted(receipt)
                }
                lastProblem = "HTTP \(status)"
                guard status == 429 || status >= 500 else {
                    return .rejected("\(channel.rawValue): HTTP \(status) \(String(buffer: body).prefix(200))")
                }
            } catch {
                lastProblem = "no answer (\(type(of: error)))"
            }
            guard ContinuousClock.now + backoff < giveUpAt else { return .gaveUp("\(channel.rawValue): \(lastProblem) after \(attempts) attempts") }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(1))
        }
    }

    /// The receipt in a native `201` (`report_id`, `tracking_code`) or an Open311 `200`
    /// (`[{"service_request_id": …}]`).
    private func receipt(_ body: ByteBuffer, attempts: Int) -> LoadgenReceipt? {
        guard let json = try? JSONValue.parse(Array(buffer: body)) else { return nil }
        let object = channel == .open311 ? json.arrayValue?.first : json
        guard let code = object?[channel == .open311 ? "service_request_id" : "tracking_code"]?.stringValue else { return nil }
        return LoadgenReceipt(trackingCode: code, reportID: object?["report_id"]?.stringValue, channel: channel, acceptedAt: Date(), attempts: attempts)
    }
}
