import Foundation
@testable import NotifierService
import Testing

/// The hand-off's doorbell: an idle sender waits for pushed notifications instead of polling its table.
@Suite("Notification hand-off")
struct NotificationHandoffTests {
    private func notification(_ id: Int64, _ channel: NotificationChannel = .webhook) -> ClaimedNotification {
        ClaimedNotification(
            id: id, idempotencyKey: "k\(id)", eventID: "e\(id)", eventType: "report.received", reportID: nil, channel: channel,
            recipient: "http://127.0.0.1/hook", subject: nil, body: "{}", attempt: 1, secret: nil)
    }

    private func seconds(_ body: () async -> Void) async -> Double {
        let elapsed = await ContinuousClock().measure { await body() }
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    @Test("a push wakes a waiting sender at once; nothing pushed, the wait ends at its timeout")
    func pushWakesAWaitingSender() async throws {
        let handoff = NotificationHandoff(channels: [.webhook, .sms], capacity: 16, maxAge: .seconds(60))
        let woken = await seconds {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await handoff.waitForWork(.webhook, upTo: .seconds(30)) }
                try? await Task.sleep(for: .milliseconds(200))
                handoff.push([notification(1)])
                await group.waitForAll()
            }
        }
        // Far below the 30 s timeout, yet with room: LogicTests run in parallel on two cores beside CPU-bound
        // suites (the classifier's training, the duplicate matcher's evaluation), and a 5 s bound was missed.
        #expect(woken < 20, "woken by the push, not by the 30 s timeout")
        #expect(handoff.take(.webhook, limit: 10).map(\.id) == [1])
        // Another channel's push does not wake it: the wait runs to its timeout.
        let waited = await seconds {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await handoff.waitForWork(.webhook, upTo: .milliseconds(600)) }
                try? await Task.sleep(for: .milliseconds(100))
                handoff.push([notification(2, .sms)])
                await group.waitForAll()
            }
        }
        #expect(waited >= 0.55)
    }

    @Test("work already waiting returns at once; a cancelled wait returns at once")
    func queuedOrCancelledReturnsAtOnce() async throws {
        let handoff = NotificationHandoff(channels: [.webhook], capacity: 16, maxAge: .seconds(60))
        handoff.push([notification(1)])
        #expect(await seconds { await handoff.waitForWork(.webhook, upTo: .seconds(30)) } < 20)
        _ = handoff.take(.webhook, limit: 10)
        let cancelled = await seconds {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await handoff.waitForWork(.webhook, upTo: .seconds(30)) }
                try? await Task.sleep(for: .milliseconds(100))
                group.cancelAll()
                await group.waitForAll()
            }
        }
        #expect(cancelled < 20)
    }
}
