import BrokerTopology
import Contracts
import Messaging
import Testing

/// Which queues each message of a report's journey reaches through the bindings of `Open137Topology.all`
/// — every arrow one quorum-queue enqueue. README's topology section quotes these numbers.
@Suite("Fan-out per report")
struct FanOutTests {
    /// Whether a topic `pattern` (`*` one word, `#` zero or more) matches `key`, as RabbitMQ's topic exchange does.
    static func topicMatches(_ pattern: ArraySlice<Substring>, _ key: ArraySlice<Substring>) -> Bool {
        guard let first = pattern.first else { return key.isEmpty }
        if first == "#" {
            return topicMatches(pattern.dropFirst(), key) || (!key.isEmpty && topicMatches(pattern, key.dropFirst()))
        }
        guard let word = key.first, first == "*" || first == word else { return false }
        return topicMatches(pattern.dropFirst(), key.dropFirst())
    }

    /// The queues a message published to `exchange` with `routingKey` lands in.
    static func queues(_ exchange: String, _ routingKey: String) -> Set<String> {
        let key = ArraySlice(routingKey.split(separator: ".", omittingEmptySubsequences: false))
        return Set(Open137Topology.all.bindings
            .filter { $0.exchange == exchange && topicMatches(ArraySlice($0.routingKey.split(separator: ".", omittingEmptySubsequences: false)), key) }
            .map(\.queue))
    }

    @Test("the topic matcher agrees with RabbitMQ's rules")
    func matcher() {
        func m(_ p: String, _ k: String) -> Bool { Self.topicMatches(ArraySlice(p.split(separator: ".")), ArraySlice(k.split(separator: "."))) }
        #expect(m("#", "report.received") && m("report.#", "report.received") && m("*.status", "parks.status"))
        #expect(!m("*.status", "parks.x.status") && !m("report.received", "report.routed") && m("#.status", "status"))
    }

    @Test("each event type reaches exactly the queues whose consumers read it")
    func perEventType() {
        let events = Open137Topology.eventsExchange
        let readers: Set<String> = ["intake.events", "notifier.events", "council-audit.events"]
        #expect(Self.queues(events, EventType.reportReceived) == ["classifier.reports", "notifier.events", "council-audit.events"])
        #expect(Self.queues(events, EventType.reportClassified) == readers.union(["router.reports"]))
        for type in [EventType.reportRouted, EventType.reportStatusChanged, EventType.reportReassigned, EventType.reportEscalated] {
            #expect(Self.queues(events, type) == readers, "\(type)")
        }
        // report.assigned is the unit's delivery: it goes to the units exchange only (intake's binding of it on
        // the events exchange never matches anything published).
        #expect(Self.queues(Open137Topology.unitsExchange, "parks.d03") == ["unit.parks"])
        #expect(Self.queues(Open137Topology.unitsExchange, Open137Topology.councilQueue) == [Open137Topology.councilQueue])
        #expect(Self.queues(Open137Topology.unitUpdatesExchange, "parks.status") == ["router.unit-updates", "council-audit.events"])
        #expect(Self.queues(Open137Topology.intakeExchange, "intake.sms") == ["intake.submissions"])
    }

    @Test("a report costs 11 enqueues to its unit (12 child-friendly or over AMQP), 5 more per status update")
    func perReport() {
        let events = Open137Topology.eventsExchange
        let journey = Self.queues(events, EventType.reportReceived).count + Self.queues(events, EventType.reportClassified).count
            + Self.queues(events, EventType.reportRouted).count + Self.queues(Open137Topology.unitsExchange, "parks.d03").count
        #expect(journey == 11)
        #expect(Self.queues(Open137Topology.intakeExchange, "intake.sms").count + Self.queues(Open137Topology.unitsExchange, Open137Topology.councilQueue).count == 2)
        let update = Self.queues(Open137Topology.unitUpdatesExchange, "parks.status").count + Self.queues(events, EventType.reportStatusChanged).count
        #expect(update == 5)
    }
}
