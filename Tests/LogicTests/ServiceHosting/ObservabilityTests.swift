import TestSupport
import Logging
import Metrics
import Prometheus
@testable import ServiceHosting
import Testing


/// Once-per-process bootstraps of swift-metrics and swift-log, and the redacting log handler.
@Suite("Observability", .timeLimit(.minutes(1)))
struct ObservabilityTests {
    @Test("MetricsBootstrap may be called repeatedly and always returns the registry swift-metrics reports into")
    func metricsBootstrap() {
        let first = MetricsBootstrap.bootstrap()
        let second = MetricsBootstrap.bootstrap()
        #expect(first === second)
        let counter = Metrics.Counter(label: "service_support_bootstrap_test_total", dimensions: [("kind", "test")])
        counter.increment(by: 2)
        #expect(first.emitToString().contains(#"service_support_bootstrap_test_total{kind="test"} 2"#))
    }

    @Test("LoggingBootstrap may be called repeatedly")
    func loggingBootstrap() {
        LoggingBootstrap.bootstrap(level: .debug)
        LoggingBootstrap.bootstrap(level: .info)
        var logger = Logger(label: "service-support-tests")
        logger.logLevel = .critical
        logger.info("not shown")
        #expect(logger.logLevel == .critical)
    }

    @Test("RedactingLogHandler removes phone numbers, e-mail addresses and URL passwords from messages and metadata")
    func redactingHandler() {
        let recorded = Locked<[LogEvent]>([])
        var logger = Logger(label: "redaction") { _ in
            RedactingLogHandler(wrapping: RecordingLogHandler(events: recorded))
        }
        logger[metadataKey: "reporter"] = "mina@example.ir"
        logger.info(
            "report from 09121234567 via amqp://guest:s3cret@broker/",
            metadata: ["contact": "+98 912 123 4567", "count": "2"]
        )
        let events = recorded.withLock { $0 }
        #expect(events.count == 1)
        #expect(events.first?.message.description == "report from [phone] via amqp://guest:***@broker/")
        #expect(events.first?.metadata?["contact"] == "[phone]")
        #expect(events.first?.metadata?["count"] == "2")
        // Handler metadata is redacted when logged (it is kept as set until then: most loggers never log).
        #expect(events.first?.metadata?["reporter"] == "[email]")
    }
}
