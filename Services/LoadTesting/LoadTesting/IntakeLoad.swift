import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Drives intake's native API over real HTTP connections and measures what a channel sees: accepted
/// reports a second and the latency of each POST.
struct IntakeLoad: Sendable {
    /// Intake's base URL (`http://127.0.0.1:8137`).
    let baseURL: String
    /// The API key sent as `Authorization: Bearer`.
    let apiKey: String
    /// The HTTP client (its pool is sized for the concurrency asked).
    let client: HTTPClient

    /// What one run measured.
    struct Result: Sendable {
        /// Reports answered 201.
        var accepted = 0
        /// Answers other than 201, by status (0 = no answer).
        var failures: [Int: Int] = [:]
        /// Latency of every accepted report, in milliseconds.
        var latencies: [Double] = []
        /// Wall time of the run, in seconds.
        var seconds = 0.0

        /// Accepted reports a second.
        var rate: Double { Double(accepted) / max(seconds, 1e-9) }

        /// The latency at quantile `q` (0…1), in milliseconds.
        func percentile(_ q: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            let sorted = latencies.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded()))]
        }

        mutating func merge(_ other: Result) {
            accepted += other.accepted
            latencies += other.latencies
            for (status, count) in other.failures { failures[status, default: 0] += count }
        }
    }

    /// Closed loop: `concurrency` clients, each sending the next report as soon as the last was answered.
    func closedLoop(concurrency: Int, duration: Duration) async -> Result {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + duration
        var total = await withTaskGroup(of: Result.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var result = Result()
                    var sequence = worker
                    while clock.now < deadline {
                        let sent = clock.now
                        let status = await post(IntakeLoad.body(sequence))
                        sequence += concurrency
                        record(status, latency: clock.now - sent, into: &result)
                    }
                    return result
                }
            }
            return await group.reduce(into: Result()) { $0.merge($1) }
        }
        total.seconds = Self.seconds(clock.now - start)
        return total
    }

    /// Open loop: reports sent at a fixed `rate` whatever the answers do; latency counts from when each
    /// report was due, so a stall shows up in the percentiles instead of slowing the load down.
    func openLoop(rate: Int, duration: Duration) async -> Result {
        let clock = ContinuousClock()
        let start = clock.now + .milliseconds(50)
        let count = Int(Double(rate) * Self.seconds(duration))
        let interval = Duration.nanoseconds(1_000_000_000 / max(rate, 1))
        var total = await withTaskGroup(of: Result.self) { group in
            for index in 0..<count {
                let due = start + interval * index
                try? await Task.sleep(until: due, clock: clock)
                group.addTask {
                    var result = Result()
                    let status = await post(IntakeLoad.body(index))
                    record(status, latency: clock.now - due, into: &result)
                    return result
                }
            }
            return await group.reduce(into: Result()) { $0.merge($1) }
        }
        total.seconds = Self.seconds(clock.now - start)
        return total
    }

    private func record(_ status: Int, latency: Duration, into result: inout Result) {
        if status == 201 {
            result.accepted += 1
            result.latencies.append(Self.seconds(latency) * 1_000)
        } else {
            result.failures[status, default: 0] += 1
        }
    }

    /// POSTs one report; the status, or 0 when there was no answer.
    private func post(_ body: ByteBuffer) async -> Int {
        var request = HTTPClientRequest(url: baseURL + "/api/v1/reports")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(body)
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 16)
            return Int(response.status.code)
        } catch {
            return 0
        }
    }

    /// A realistic report: Persian and English descriptions of several codes, locations across the city.
    static func body(_ sequence: Int) -> ByteBuffer {
        let template = templates[sequence % templates.count]
        let lat = 35.60 + Double(sequence % 97) * 0.002
        let long = 51.20 + Double(sequence % 89) * 0.004
        let json = """
            {"channel":"\(template.channel)","description":"\(template.description) (#\(sequence))",\
            "location":{"lat":\(lat),"long":\(long)},"reporter":{"language":"\(template.language)","type":"\(template.reporter)"},\
            "contact_allowed":false}
            """
        return ByteBuffer(string: json)
    }

    private static let templates: [(channel: String, description: String, language: String, reporter: String)] = [
        ("137-phone", "تماس‌گیرنده اعلام کرد تاب زمین بازی پارک محله شکسته است و بچه‌ها هنوز سوار می‌شوند", "fa", "parent"),
        ("1888-web", "خط‌کشی عابر پیاده جلوی دبستان پاک شده و ماشین‌ها با سرعت رد می‌شوند", "fa", "parent"),
        ("app", "The streetlight on our block has been out for a week", "en", "other"),
        ("web", "چاله بزرگ وسط خیابان، چند موتوری زمین خورده‌اند", "fa", "other"),
        ("sms", "kart bilit daneshamouzi pesaram sharj nemishe", "fa", "parent"),
        ("137-phone", "زباله‌ها سه روز است جمع‌آوری نشده", "fa", "other"),
        ("app", "بخاری گازی مهدکودک بوی گاز می‌دهد", "fa", "parent"),
        ("web", "Kids are selling flowers at the Vali-Asr crossroads late at night", "en", "child"),
    ]

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
