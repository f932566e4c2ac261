import Events
import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceSupport

/// Handles each report event from `notifier.events`: in one transaction, once per event (inbox), stores
/// the reporter of a `report.received` and writes the event's notifications as pending rows; the channel
/// senders send them after the commit. A later event whose `report.received` was not stored yet is
/// retried (thrown: the worker's delayed retry), not dropped; a message that is not a report event, or
/// whose data does not match its type, is rejected (dead-lettered with the reason).
public struct NotificationEventHandler: Sendable {
    /// What each event sends.
    public let planner: NotificationPlanner
    /// The tables.
    public let store: NotificationStore
    /// The inbox of the notifier's schema.
    public let inbox: Inbox
    private let logger: Logger

    /// The inbox's consumer name.
    public static let consumer = "notifier.events"

    /// Creates a handler.
    public init(planner: NotificationPlanner, store: NotificationStore, inbox: Inbox, logger: Logger) {
        self.planner = planner
        self.store = store
        self.inbox = inbox
        self.logger = logger
    }

    /// Handles one delivery.
    public func handle(_ delivery: AMQPDelivery) async throws {
        let event: CloudEvent
        do {
            event = try CloudEvent.decode(delivery.body)
        } catch {
            throw DeliveryRejection(code: error.code.rawValue, reason: error.message)
        }
        guard event.type.hasPrefix("report.") else {
            throw DeliveryRejection(code: "unexpected-type", reason: "event \(event.id) has type \(event.type), not a report event")
        }
        var received: ReporterRecord?
        if event.type == EventType.reportReceived {
            do {
                let report = try event.payload(as: ReportReceivedData.self)
                guard UUID(uuidString: report.reportID) != nil else { throw NotifierError(code: .database, message: "") }
                received = NotificationPlanner.reporter(from: report, data: event.data)
            } catch {
                throw DeliveryRejection(code: EventDecodingError.Code.invalidPayload.rawValue, reason: "event \(event.id): data is not a report.received report")
            }
        }
        let needsReporter = NotificationPlanner.concernsReporter(event.type)
        let body = String(decoding: delivery.body, as: UTF8.self)
        // Read before the transaction, at most a second old: a subscription added while this runs counts
        // from then on; one removed meanwhile is skipped by the insert.
        let subscriptions = try await store.currentSubscriptions()
        var pending = 0
        let outcome = try await inbox.handleOnce(client: store.client, eventID: event.id, consumer: Self.consumer, logger: logger) { connection in
            var reporter = received
            if let received {
                try await store.storeReporter(received, on: connection)
            } else if needsReporter {
                guard let subject = event.subject, let stored = try await store.reporter(subject, on: connection) else {
                    throw NotifierError(code: .reporterUnknown, message: "event \(event.id) (\(event.type)) came before report.received of \(event.subject ?? "-") was stored")
                }
                reporter = stored
            }
            let plans: [NotificationPlan]
            do {
                plans = try planner.plans(event: event, body: body, reporter: reporter, subscriptions: subscriptions)
            } catch {
                throw DeliveryRejection(code: EventDecodingError.Code.invalidPayload.rawValue, reason: "event \(event.id): data does not match \(event.type)")
            }
            pending = try await store.insert(plans, event: event, on: connection)
        }
        logger.info("report event handled", metadata: [
            "event_id": "\(event.id)", "event_type": "\(event.type)", "report_id": "\(event.subject ?? "-")",
            "notifications": "\(pending)", "outcome": "\(outcome)",
        ])
    }
}
