import NIOPosix
import Persistence
import Synchronization
import Testing

@Suite("Deadlines fired from one coarse tick")
struct DeadlineWatchTests {
    private static func watch() -> DeadlineWatch {
        DeadlineWatch(resolution: .milliseconds(20), on: MultiThreadedEventLoopGroup.singleton.next())
    }

    /// Waits (at most `limit`) until `condition` holds.
    private static func eventually(within limit: Duration, _ condition: () -> Bool) async -> Bool {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }

    @Test("a deadline fires once, after its timeout and at most about one resolution late")
    func fires() async {
        let watch = Self.watch()
        let fired = Atomic<Int>(0)
        let started = ContinuousClock.now
        let firedAt = Mutex<ContinuousClock.Instant?>(nil)
        _ = watch.register(after: .milliseconds(100)) {
            fired.add(1, ordering: .relaxed)
            firedAt.withLock { $0 = ContinuousClock.now }
        }
        #expect(await Self.eventually(within: .seconds(5)) { fired.load(ordering: .relaxed) == 1 })
        let elapsed = firedAt.withLock { $0 }.map { $0 - started }
        #expect(elapsed.map { $0 >= .milliseconds(100) } == true, "fired before its timeout: \(String(describing: elapsed))")
        try? await Task.sleep(for: .milliseconds(100))
        let firings = fired.load(ordering: .relaxed)
        #expect(firings == 1, "fired more than once")
        #expect(watch.pending == 0)
    }

    @Test("a cancelled deadline never fires; the others still do")
    func cancelled() async {
        let watch = Self.watch()
        let cancelledFired = Atomic<Bool>(false)
        let otherFired = Atomic<Bool>(false)
        let ticket = watch.register(after: .milliseconds(60)) { cancelledFired.store(true, ordering: .relaxed) }
        _ = watch.register(after: .milliseconds(80)) { otherFired.store(true, ordering: .relaxed) }
        #expect(watch.pending == 2)
        watch.cancel(ticket)
        watch.cancel(ticket)
        #expect(await Self.eventually(within: .seconds(5)) { otherFired.load(ordering: .relaxed) })
        try? await Task.sleep(for: .milliseconds(100))
        let firedAfterCancel = cancelledFired.load(ordering: .relaxed)
        #expect(!firedAfterCancel)
        #expect(watch.pending == 0)
    }

    @Test("the tick stops when idle and starts again with the next registration")
    func restartsAfterIdle() async {
        let watch = Self.watch()
        let fired = Atomic<Int>(0)
        _ = watch.register(after: .milliseconds(10)) { fired.add(1, ordering: .relaxed) }
        #expect(await Self.eventually(within: .seconds(5)) { fired.load(ordering: .relaxed) == 1 })
        // 50 idle ticks of 20 ms stop the tick; a later registration must still fire.
        try? await Task.sleep(for: .milliseconds(1_300))
        _ = watch.register(after: .milliseconds(10)) { fired.add(1, ordering: .relaxed) }
        #expect(await Self.eventually(within: .seconds(5)) { fired.load(ordering: .relaxed) == 2 })
    }
}
