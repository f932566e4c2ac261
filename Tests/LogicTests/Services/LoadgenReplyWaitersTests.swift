@testable import LoadTesting
import Testing

/// The load generator's AMQP reply waits, without a broker: every wait ends — on its answer, or when its
/// task is cancelled however long its timeout — and none is given more time than is left until the
/// submission's give-up instant. A wait that does not end holds the load phase, and the run, for ever.
@Suite("loadgen reply waits", .timeLimit(.minutes(1)))
struct LoadgenReplyWaitersTests {
    @Test("a wait whose task is cancelled ends at once, timed out, whatever its timeout")
    func cancelledWaitEnds() async {
        let waiters = LoadgenReplyWaiters()
        let clock = ContinuousClock()
        let start = clock.now
        let reply = await withTaskGroup(of: LoadgenReplyWaiters.Reply.self) { group in
            group.addTask { await waiters.wait(for: "cancelled", timeout: .seconds(3_600)) }
            // Let the wait attach its continuation first: the case that never returned.
            try? await Task.sleep(for: .milliseconds(100))
            group.cancelAll()
            return await group.next() ?? .timedOut
        }
        guard case .timedOut = reply else {
            Issue.record("a cancelled wait should end timed out, not with \(reply)")
            return
        }
        #expect(start.duration(to: clock.now) < .seconds(5))
    }

    @Test("an answer ends the wait before its timeout")
    func answerEndsWait() async {
        let waiters = LoadgenReplyWaiters()
        let reply = await withTaskGroup(of: LoadgenReplyWaiters.Reply?.self) { group in
            group.addTask { await waiters.wait(for: "answered", timeout: .seconds(3_600)) }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(100))
                waiters.resolve("answered", .answer(.string("accepted")))
                return nil
            }
            var reply: LoadgenReplyWaiters.Reply?
            for await next in group where next != nil { reply = next }
            return reply
        }
        guard case .answer(let answer)? = reply else {
            Issue.record("expected the answer, got \(String(describing: reply))")
            return
        }
        #expect(answer.stringValue == "accepted")
    }

    @Test("a reply wait is cut to what is left until the give-up instant, and after it none is left")
    func replyWaitStopsAtGiveUp() {
        let now = ContinuousClock.now
        #expect(LoadgenAMQPSubmitter.replyWait(.seconds(120), until: now + .seconds(7), now: now) == .seconds(7))
        #expect(LoadgenAMQPSubmitter.replyWait(.seconds(10), until: now + .seconds(60), now: now) == .seconds(10))
        #expect(LoadgenAMQPSubmitter.replyWait(.seconds(10), until: now, now: now) == nil)
        #expect(LoadgenAMQPSubmitter.replyWait(.seconds(10), until: now - .seconds(1), now: now) == nil)
    }
}
