import BrokerTopology
import Logging
import Messaging
import Metrics
import ServiceHosting
import ServiceLifecycle

/// Shows how many messages wait in a stage's dead-letter queues, as the gauge
/// `open137_dead_letters{queue="…"}` on the ops server's `/metrics`, so that an alert can fire on a
/// dead letter instead of someone having to run `open137 dlq list`. Every `interval` it asks the broker
/// for each queue's depth (a passive `queue.declare` on the stage's publisher connection: messages ready,
/// so one held by a running `open137 dlq show` is not counted). A failed look keeps the last value.
public struct DeadLetterDepth: Service {
    /// The gauge's name.
    public static let metricName = "open137_dead_letters"

    private let publisher: AMQPPublisher
    private let gauges: [(queue: String, gauge: Gauge)]
    private let interval: Duration
    private let logger: Logger

    /// A refresher of `queues`' depths every `interval`, through `publisher` (whose topology must declare
    /// them: a passive declare of a missing queue fails and replaces the connection).
    public init(publisher: AMQPPublisher, queues: [String], interval: Duration = .seconds(15), logger: Logger) {
        self.publisher = publisher
        self.gauges = queues.map { ($0, Gauge(label: Self.metricName, dimensions: [("queue", $0)])) }
        self.interval = interval
        self.logger = logger
    }

    /// The dead-letter queues of `topology`: those bound to the dead-letter exchange (every work queue's
    /// `.dlq`, and `intake.rejected` in intake's).
    public static func queues(in topology: Topology) -> [String] {
        topology.bindings.filter { $0.exchange == Open137Topology.deadLetterExchange }.map(\.queue)
    }

    /// Refreshes every `interval` until graceful shutdown or cancellation.
    public func run() async throws {
        // Cancelling on graceful shutdown ends the sleep at once instead of after the period.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await refresh()
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Reads every queue's depth once and records it.
    public func refresh() async {
        for (queue, gauge) in gauges {
            if Task.isCancelled { return }
            do {
                gauge.record(try await publisher.messageCount(of: queue))
            } catch {
                // While the broker is away the publisher says so on /ready; one line per queue and period is enough.
                logger.debug("could not read a dead-letter queue's depth", metadata: ["amqp.queue": "\(queue)", "error": "\(error)"])
            }
        }
    }
}
