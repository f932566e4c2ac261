@testable import Messaging
import Testing

/// The publisher's confirm bookkeeping without a broker: what goes out, in which order, and how every
/// publish ends — confirmed, or failed with the right code.
@Suite("Publish confirmations")
struct PublishConfirmationsTests {
    let now = ContinuousClock.now

    /// A publish of a mandatory message with id `id` to exchange `exchange`, due at `deadline` (in a minute by default).
    func request(_ id: String, exchange: String = "work", deadline: ContinuousClock.Instant? = nil) -> PublishRequest {
        PublishRequest(
            message: OutgoingMessage(exchange: exchange, routingKey: "key", body: [], messageID: id),
            deadline: deadline ?? now + .seconds(60),
            completion: { _ in })
    }

    /// Bookkeeping with `ids` queued and as many sent as the window lets out; the tags they got, in order.
    func sent(_ ids: [String], window: Int = 16) -> (PublishConfirmations, [(tag: UInt64, id: String)]) {
        var confirmations = PublishConfirmations(window: window)
        for id in ids { confirmations.enqueue(request(id)) }
        let tags = sendAll(&confirmations)
        return (confirmations, tags)
    }

    /// Sends what `next` names until it names nothing.
    func sendAll(_ confirmations: inout PublishConfirmations) -> [(tag: UInt64, id: String)] {
        var sent: [(tag: UInt64, id: String)] = []
        while let (tag, request) = confirmations.next {
            sent.append((tag, request.message.messageID))
            confirmations.published()
        }
        return sent
    }

    /// The outcomes as message ids with their error code (nil for confirmed).
    func summary(_ outcomes: [PublishConfirmations.Outcome]) -> [String] {
        outcomes.map { outcome in
            switch outcome.result {
            case .success: outcome.request.message.messageID
            case .failure(let error): "\(outcome.request.message.messageID):\(error.code)"
            }
        }
    }

    @Test("publishes get tags 1, 2, 3 in order and end with their confirms, in order")
    func confirmsInOrder() {
        var (confirmations, sent) = sent(["a", "b", "c"])
        #expect(sent.map(\.tag) == [1, 2, 3])
        #expect(sent.map(\.id) == ["a", "b", "c"])
        #expect(!confirmations.isDrained)
        for tag in 1...3 as ClosedRange<UInt64> {
            #expect(summary(confirmations.confirm(upTo: tag, multiple: false, result: .success(()))) == [sent[Int(tag) - 1].id])
        }
        #expect(confirmations.isDrained)
    }

    @Test("a confirm out of order ends only its publish; a later multiple ack does not end it twice")
    func confirmsOutOfOrder() {
        var (confirmations, _) = sent(["a", "b", "c", "d"])
        #expect(summary(confirmations.confirm(upTo: 3, multiple: false, result: .success(()))) == ["c"])
        #expect(summary(confirmations.confirm(upTo: 4, multiple: true, result: .success(()))) == ["a", "b", "d"])
        #expect(summary(confirmations.confirm(upTo: 4, multiple: true, result: .success(()))) == [])
        #expect(confirmations.isDrained)
    }

    @Test("a multiple ack ends every publish up to its tag and no further")
    func multipleAck() {
        var (confirmations, _) = sent(["a", "b", "c", "d"])
        #expect(summary(confirmations.confirm(upTo: 2, multiple: true, result: .success(()))) == ["a", "b"])
        #expect(summary(confirmations.confirm(upTo: 4, multiple: true, result: .success(()))) == ["c", "d"])
    }

    @Test("nacks fail their publishes as nacked, singly and with multiple")
    func nacks() {
        var (confirmations, _) = sent(["a", "b", "c"])
        let refused = AMQPError(.nacked, "refused")
        #expect(summary(confirmations.confirm(upTo: 2, multiple: false, result: .failure(refused))) == ["b:nacked"])
        #expect(summary(confirmations.confirm(upTo: 3, multiple: true, result: .failure(refused))) == ["a:nacked", "c:nacked"])
        #expect(confirmations.isDrained)
    }

    @Test("a return before its confirm fails that publish as unroutable (312), not its neighbours")
    func returnBeforeConfirm() {
        var (confirmations, _) = sent(["a", "b", "c"])
        confirmations.returned(tag: 2, reason: "312 NO_ROUTE")
        let outcomes = confirmations.confirm(upTo: 3, multiple: true, result: .success(()))
        #expect(summary(outcomes) == ["a", "b:unroutable", "c"])
        guard outcomes.count == 3, case .failure(let error) = outcomes[1].result else { return }
        #expect(error.replyCode == 312)
        #expect(error.message.contains("312 NO_ROUTE"))
    }

    @Test("a returned publish that is nacked fails as nacked, and its return does not outlive it")
    func returnThenNack() {
        var (confirmations, _) = sent(["a", "b"])
        confirmations.returned(tag: 1, reason: "312 NO_ROUTE")
        #expect(summary(confirmations.confirm(upTo: 1, multiple: false, result: .failure(AMQPError(.nacked, "no")))) == ["a:nacked"])
        #expect(summary(confirmations.confirm(upTo: 2, multiple: false, result: .success(()))) == ["b"])
    }

    @Test("a full window holds the rest until a confirm makes room")
    func windowFull() {
        var (confirmations, sent) = sent(["a", "b", "c", "d"], window: 2)
        #expect(sent.map(\.id) == ["a", "b"])
        #expect(!confirmations.canPublish)
        #expect(confirmations.next == nil)
        _ = confirmations.confirm(upTo: 1, multiple: false, result: .success(()))
        let more = sendAll(&confirmations)
        #expect(more.map(\.tag) == [3])
        #expect(more.map(\.id) == ["c"])
    }

    @Test("while the broker blocks, nothing goes out; unblocked, the queue moves again")
    func blocked() {
        var confirmations = PublishConfirmations(window: 4)
        confirmations.blocked("low on memory")
        confirmations.enqueue(request("a"))
        #expect(sendAll(&confirmations).isEmpty)
        confirmations.unblocked()
        #expect(sendAll(&confirmations).map(\.id) == ["a"])
    }

    @Test("after a reconnect, the unconfirmed go out first, in their order, numbered from 1; old returns are forgotten")
    func reconnectRequeuesUnconfirmed() {
        var (confirmations, _) = sent(["a", "b", "c", "d"], window: 4)
        confirmations.enqueue(request("e"))
        confirmations.returned(tag: 3, reason: "312 NO_ROUTE")
        _ = confirmations.confirm(upTo: 2, multiple: false, result: .success(()))
        confirmations.blocked("disk alarm")
        confirmations.reconnected()
        #expect(confirmations.blockedReason == nil)
        let again = sendAll(&confirmations)
        #expect(again.map(\.id) == ["a", "c", "d", "e"])
        #expect(again.map(\.tag) == [1, 2, 3, 4])
        // Tag 3 is now "d", which the old connection's return for its own tag 3 must not fail.
        #expect(summary(confirmations.confirm(upTo: 4, multiple: true, result: .success(()))) == ["a", "c", "d", "e"])
    }

    @Test("past the deadline, in-flight publishes time out and waiting ones say why; later ones stay")
    func deadlines() {
        var confirmations = PublishConfirmations(window: 2)
        confirmations.enqueue(request("a", deadline: now + .seconds(1)))
        confirmations.enqueue(request("b", deadline: now + .seconds(1)))
        confirmations.enqueue(request("c", deadline: now + .seconds(2)))
        confirmations.enqueue(request("d", deadline: now + .seconds(5)))
        _ = sendAll(&confirmations)
        #expect(summary(confirmations.expire(at: now, unreachable: nil)) == [])
        #expect(summary(confirmations.expire(at: now + .seconds(2), unreachable: nil)) == ["a:publishTimedOut", "b:publishTimedOut", "c:publishTimedOut"])
        #expect(confirmations.nextPendingDeadline == now + .seconds(5))
        #expect(summary(confirmations.expire(at: now + .seconds(5), unreachable: "connection refused")) == ["d:notConnected"])
        #expect(confirmations.isDrained)
    }

    @Test("publishes that expire while the broker blocks fail as blocked")
    func deadlineWhileBlocked() {
        var (confirmations, _) = sent(["a"], window: 1)
        confirmations.enqueue(request("b"))
        confirmations.blocked("low on memory")
        let outcomes = confirmations.expire(at: now + .seconds(61), unreachable: nil)
        #expect(summary(outcomes) == ["a:blocked", "b:blocked"])
    }

    @Test("a refused exchange fails its publishes, sent and waiting, and only those")
    func refusedExchange() {
        var confirmations = PublishConfirmations(window: 2)
        for (id, exchange) in [("a", "gone"), ("b", "work"), ("c", "gone"), ("d", "work")] {
            confirmations.enqueue(request(id, exchange: exchange))
        }
        _ = sendAll(&confirmations)
        let error = AMQPError(.serverException, "NOT_FOUND", replyCode: 404)
        #expect(summary(confirmations.fail(publishesTo: "gone", error)) == ["a:serverException", "c:serverException"])
        // "c" never went out; "d" takes the room "a" left.
        #expect(sendAll(&confirmations).map(\.id) == ["d"])
        #expect(summary(confirmations.confirm(upTo: 3, multiple: true, result: .success(()))) == ["b", "d"])
        #expect(ConnectionLoop.exchange(namedIn: "NOT_FOUND - no exchange 'gone' in vhost '/'") == "gone")
    }

    @Test("failing all ends every publish, waiting and in flight, once")
    func failAll() {
        var (confirmations, _) = sent(["a", "b"], window: 1)
        let outcomes = confirmations.failAll(AMQPError(.shutdown, "closed"))
        #expect(summary(outcomes) == ["b:shutdown", "a:shutdown"])
        #expect(confirmations.isDrained)
        #expect(confirmations.failAll(AMQPError(.shutdown, "closed")).isEmpty)
    }
}
