import Messaging
import ServiceHosting
import Stages

/// Where a dead letter was first published: the exchange and routing key a replay sends it back to.
public struct DeadLetterOrigin: Sendable, Hashable {
    /// The exchange.
    public var exchange: String
    /// The routing key.
    public var routingKey: String

    /// An origin.
    public init(exchange: String, routingKey: String) {
        self.exchange = exchange
        self.routingKey = routingKey
    }

    /// The origin of a message with `headers`, or nil when it cannot be told. In order:
    /// 1. what a consumer's dead-lettering recorded (`x-open137-original-exchange`/`-routing-key`); when
    ///    that is the default exchange (the delivery was a retry copy), the retry headers the worker kept
    ///    (`x-open137-exchange`/`x-open137-routing-key`);
    /// 2. the newest `x-death` entry that names a first-publish exchange (the broker's own dead-lettering,
    ///    e.g. at the delivery limit).
    /// Only an exchange in `exchanges` counts: a replay never goes to the default, dead-letter or retry
    /// exchange, and headers naming one (older dead letters recorded the dead-letter exchange) are passed over.
    public static func resolve(headers: [String: AMQPFieldValue], exchanges: Set<String>) -> DeadLetterOrigin? {
        func candidate(_ exchange: String?, _ routingKey: String?) -> DeadLetterOrigin? {
            guard let exchange, let routingKey, !routingKey.isEmpty, exchanges.contains(exchange) else { return nil }
            return DeadLetterOrigin(exchange: exchange, routingKey: routingKey)
        }
        if let recorded = candidate(
            headers[AMQPDelivery.originalExchangeHeader]?.stringValue, headers[AMQPDelivery.originalRoutingKeyHeader]?.stringValue
        ) {
            return recorded
        }
        if let retried = candidate(headers[DeliveryWorker.exchangeHeader]?.stringValue, headers[DeliveryWorker.routingKeyHeader]?.stringValue) {
            return retried
        }
        for death in DeadLetterDeath.entries(in: headers) {
            if let origin = candidate(death.exchange, death.routingKeys.first) { return origin }
        }
        return nil
    }
}
