import Messaging
import Persistence
import Testing

@Suite("The outbox's hand-over in memory")
struct OutboxDispatchTests {
    @Test("beyond its capacity a hand-over is dropped and counted (its rows wait for the sweep), never held")
    func dropsBeyondCapacity() {
        let dispatch = OutboxDispatch(capacity: 3)
        let message = OutgoingMessage(exchange: "open137.events", routingKey: "test", body: [1], messageID: "m")
        dispatch.hand((1...2).map { OutboxMessage(id: Int64($0), message: message) })
        #expect(dispatch.dropped == 0)
        // Two more would make four: the whole hand-over is dropped.
        dispatch.hand((3...4).map { OutboxMessage(id: Int64($0), message: message) })
        #expect(dispatch.dropped == 2)
        dispatch.hand([OutboxMessage(id: 5, message: message)])
        #expect(dispatch.dropped == 2, "one more still fits")
        dispatch.hand([])
        #expect(dispatch.dropped == 2)
    }
}
