/// Coalesces a consumer's acks: the acks that arrive in one pass of the connection's loop go out as one
/// `basic.ack` with `multiple` for the run of settled deliveries at the front, and single acks for the
/// rest. A group commit finishes hundreds of deliveries at once; one frame instead of hundreds spares the
/// socket, and the broker settles them in one command of the queue (a quorum queue logs each command).
/// Confined to the connection's thread, like everything that touches rabbitmq-c.
struct AckCoalescer {
    /// Delivery tags handed out and not yet known to be settled, in tag (= delivery) order, from `head`.
    private var outstanding: [UInt64] = []
    private var head = 0
    /// Tags settled out of order (a nack, a reject, a single ack), skipped when the front reaches them.
    private var settledAhead: Set<UInt64> = []
    /// Acks of this pass, not sent yet.
    private var acks: [UInt64] = []

    /// What one flush sends: `basic.ack` with `multiple` up to a tag, then single acks.
    struct Flush: Equatable {
        /// Every delivery up to and including this tag is acked by one frame.
        var multipleUpTo: UInt64?
        /// Acks that the front run does not cover, in tag order.
        var singles: [UInt64]
    }

    /// Whether acks wait to be flushed.
    var hasPendingAcks: Bool { !acks.isEmpty }

    /// A delivery with `tag` was handed out (tags grow on one channel).
    mutating func delivered(_ tag: UInt64) {
        outstanding.append(tag)
    }

    /// The delivery `tag` is acked; it goes out at the next `flush()`.
    mutating func ack(_ tag: UInt64) {
        acks.append(tag)
    }

    /// The delivery `tag` was settled by a frame of its own (nack, reject).
    mutating func settledAlone(_ tag: UInt64) {
        settledAhead.insert(tag)
    }

    /// The frames to send for this pass's acks.
    mutating func flush() -> Flush {
        guard !acks.isEmpty else { return Flush(multipleUpTo: nil, singles: []) }
        let acked = Set(acks)
        acks.removeAll(keepingCapacity: true)
        var highest: UInt64?
        while head < outstanding.count {
            let tag = outstanding[head]
            if acked.contains(tag) {
                highest = tag
            } else if settledAhead.remove(tag) == nil {
                break
            }
            head += 1
        }
        var singles: [UInt64] = []
        for tag in acked where highest.map({ tag > $0 }) ?? true {
            singles.append(tag)
            settledAhead.insert(tag)
        }
        if head > 1024, head * 2 > outstanding.count {
            outstanding.removeFirst(head)
            head = 0
        }
        return Flush(multipleUpTo: highest, singles: singles.sorted())
    }

    /// Forgets everything (a new connection numbers its deliveries afresh).
    mutating func reset() {
        outstanding.removeAll()
        head = 0
        settledAhead.removeAll()
        acks.removeAll()
    }
}
