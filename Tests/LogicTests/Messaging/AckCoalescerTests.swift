@testable import Messaging
import Testing

/// Acks of one pass become one `multiple` ack for the settled run at the front, single acks for the rest —
/// and never an ack for a delivery that is still being handled.
@Suite("Ack coalescing")
struct AckCoalescerTests {
    @Test("acks in any order covering the front become one multiple ack")
    func frontRun() {
        var acks = AckCoalescer()
        for tag in 1...5 as ClosedRange<UInt64> { acks.delivered(tag) }
        for tag in [3, 1, 2] as [UInt64] { acks.ack(tag) }
        #expect(acks.flush() == .init(multipleUpTo: 3, singles: []))
        acks.ack(5)
        acks.ack(4)
        #expect(acks.flush() == .init(multipleUpTo: 5, singles: []))
        #expect(!acks.hasPendingAcks)
    }

    @Test("a delivery still in hand stops the multiple ack; the acks behind it go singly and are not acked twice")
    func gapInFront() {
        var acks = AckCoalescer()
        for tag in 1...6 as ClosedRange<UInt64> { acks.delivered(tag) }
        acks.ack(1)
        acks.ack(3)
        acks.ack(4)
        // 2 is still being handled: a multiple ack up to 4 would ack it too.
        #expect(acks.flush() == .init(multipleUpTo: 1, singles: [3, 4]))
        acks.ack(2)
        // 3 and 4 were acked already; the front run 2…4 is acked by the single ack of 2 as its highest new tag.
        #expect(acks.flush() == .init(multipleUpTo: 2, singles: []))
        acks.ack(6)
        #expect(acks.flush() == .init(multipleUpTo: nil, singles: [6]))
        acks.ack(5)
        #expect(acks.flush() == .init(multipleUpTo: 5, singles: []))
    }

    @Test("a nacked delivery is skipped by the front run; nothing to flush sends nothing")
    func nackedInFront() {
        var acks = AckCoalescer()
        for tag in 1...3 as ClosedRange<UInt64> { acks.delivered(tag) }
        #expect(acks.flush() == .init(multipleUpTo: nil, singles: []))
        acks.settledAlone(1)
        acks.ack(2)
        #expect(acks.flush() == .init(multipleUpTo: 2, singles: []))
    }

    @Test("a reset forgets the old connection's tags")
    func reset() {
        var acks = AckCoalescer()
        for tag in 1...3 as ClosedRange<UInt64> { acks.delivered(tag) }
        acks.ack(2)
        acks.reset()
        #expect(!acks.hasPendingAcks)
        acks.delivered(1)
        acks.ack(1)
        #expect(acks.flush() == .init(multipleUpTo: 1, singles: []))
    }
}
