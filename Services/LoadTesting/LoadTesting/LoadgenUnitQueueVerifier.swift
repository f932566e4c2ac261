import BrokerTopology
import Contracts
import Foundation
import JSON
import Logging
import Messaging
import ServiceLifecycle
import Synchronization

/// Consumes every unit queue (`unit.<unit>`) and the council's queue (`council.child-friendly`) while the
/// load generator runs — as the departments would — and records, per tracking code, each message id
/// that arrived and when. Every delivery is acknowledged, including those of reports this run did not
/// submit (they are ignored when the run is judged). The consumers reconnect after a broker restart;
/// deliveries not yet acknowledged then come again (a duplicate on the wire, recognised by message id).
final class LoadgenUnitQueueVerifier: Service {
    private let consumers: [AMQPConsumer]
    private let arrivals = Mutex<[String: LoadgenArrival]>([:])
    private let logger: Logger

    /// One consumer per unit queue and one for the council's queue, declaring the queues as the router does.
    init(configuration: AMQPConfiguration, prefetch: UInt16 = 500, logger: Logger) {
        let topology = Topology(exchanges: Open137Topology.exchanges).merging(Open137Topology.unitDeliveryTopology)
        let queues = Open137Topology.unitCodes.map(Open137Topology.unitQueue) + [Open137Topology.councilQueue]
        consumers = queues.map { queue in
            var configuration = configuration
            configuration.connectionName = "open137-loadgen-\(queue)"
            return AMQPConsumer(configuration: configuration, queue: queue, prefetch: prefetch, topology: topology, logger: logger)
        }
        self.logger = logger
    }

    /// Connects every consumer.
    func waitUntilConnected(timeout: Duration) async throws(AMQPError) {
        for consumer in consumers { try await consumer.waitUntilConnected(timeout: timeout) }
    }

    /// Reconnects (of all consumers together) so far: more than one per consumer means the broker went away.
    var connections: Int { consumers.reduce(0) { $0 + $1.connections } }

    /// Records deliveries until cancelled, then stops the consumers.
    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for consumer in consumers {
                let council = consumer.queue == Open137Topology.councilQueue
                group.addTask {
                    for await delivery in consumer.deliveries {
                        self.record(delivery, council: council, at: Date())
                        // A failed ack (the connection went) is fine: the broker redelivers, and the
                        // message id shows it as a wire duplicate.
                        try? await delivery.ack()
                    }
                }
            }
            group.addTask {
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3_600)) }
                // Together, not in turn: a consumer whose stream ended with the cancellation leaves the
                // deliveries still buffered unsettled and drains for its full ten seconds; fifteen in turn
                // would hold the run's end for 150 s.
                await withDiscardingTaskGroup { stops in
                    for consumer in self.consumers { stops.addTask { await consumer.stop() } }
                }
            }
        }
    }

    /// What arrived for these tracking codes.
    func arrivals(for trackingCodes: some Sequence<String>) -> [String: LoadgenArrival] {
        arrivals.withLock { arrivals in
            var found: [String: LoadgenArrival] = [:]
            for code in trackingCodes { if let arrival = arrivals[code] { found[code] = arrival } }
            return found
        }
    }

    private func record(_ delivery: AMQPDelivery, council: Bool, at time: Date) {
        // A unit's queue also carries the router's answers to its status updates; only deliveries count — and
        // a report that joined an open case of the same hazard reaches its unit as `report.linked` instead.
        guard let json = try? JSONValue.parse(delivery.body), let type = json["type"]?.stringValue,
              type == EventType.reportAssigned || type == EventType.reportLinked else { return }
        guard let data = json["data"],
              let code = data["tracking_code"]?.stringValue, let reportID = data["report_id"]?.stringValue
        else {
            logger.warning("a unit delivery without tracking_code or report_id", metadata: ["message_id": "\(delivery.messageID ?? "-")"])
            return
        }
        let messageID = delivery.messageID ?? json["id"]?.stringValue ?? "-"
        arrivals.withLock { arrivals in
            var arrival = arrivals[code] ?? LoadgenArrival(
                reportID: reportID, unit: data["unit"]?.stringValue ?? "", serviceCode: data["service_code"]?.stringValue ?? "",
                childFriendly: data["child_friendly"]?.boolValue ?? false, receivedAt: data["received_at"]?.stringValue ?? "")
            if council {
                arrival.councilMessages[messageID, default: 0] += 1
            } else {
                arrival.unitMessages[messageID, default: 0] += 1
                if arrival.firstUnitArrival == nil { arrival.firstUnitArrival = time }
            }
            arrivals[code] = arrival
        }
    }
}
