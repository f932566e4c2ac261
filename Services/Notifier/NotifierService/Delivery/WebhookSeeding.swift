import Logging
import ServiceLifecycle

/// Stores the subscriptions of `NOTIFIER_WEBHOOKS` before the event worker starts, then runs the worker.
public struct WebhookSeeding: Service {
    private let store: NotificationStore
    private let requests: [WebhookSubscriptionRequest]
    private let then: any Service
    private let logger: Logger

    /// Seeds `requests` into `store`, then runs `then`.
    public init(store: NotificationStore, requests: [WebhookSubscriptionRequest], then: any Service, logger: Logger) {
        self.store = store
        self.requests = requests
        self.then = then
        self.logger = logger
    }

    public func run() async throws {
        for request in requests {
            let id = try await store.addSubscription(request)
            logger.info("webhook subscription from the environment", metadata: ["subscription_id": "\(id)", "events": "\(request.events.joined(separator: ","))"])
        }
        try await then.run()
    }
}
