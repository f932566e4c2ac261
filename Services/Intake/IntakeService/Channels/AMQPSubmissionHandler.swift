import WebAPI
import BrokerTopology
import Contracts
import Crypto
import Foundation
import JSON
import Logging
import Messaging
import ReporterSecret
import ServiceHosting
import Stages

/// Handles one submission from an AMQP channel (routing key `intake.<channel>`): validates it, stores it
/// (idempotent on the message id, so a redelivery is the same report), and — when the message has
/// `reply_to` and `correlation_id` — replies with the tracking code or the error. An invalid submission
/// is rejected to `intake.rejected` with the reason, body intact.
///
/// The body is either a CloudEvents envelope whose `data` is the submission, or the submission itself
/// (the native API's JSON); its `channel` may be left out and defaults to the routing key's.
struct AMQPSubmissionHandler: Sendable {
    let validator: SubmissionValidator
    let writer: ReportBatchWriter
    let reopenSecret: ReopenSecret
    let publisher: any MessagePublishing
    let logger: Logger

    func handle(_ delivery: AMQPDelivery) async throws {
        // A submission retried after a transient failure (the database down) comes back from its retry queue
        // through the default exchange with the queue's name as routing key; the channel's routing key then
        // travels in DeliveryWorker's header — trusted only off the intake exchange, where a channel could set it.
        var routingKey = delivery.routingKey
        if delivery.exchange != Open137Topology.intakeExchange, let original = delivery.headers[DeliveryWorker.routingKeyHeader]?.stringValue {
            routingKey = original
        }
        let channel = String(routingKey.split(separator: ".", maxSplits: 1).last ?? "")
        let (submission, envelopeID) = try parse(delivery.body, delivery: delivery)
        var fields = submission
        switch fields["channel"] {
        case nil, .null?: fields["channel"] = .string(channel)
        case .string(let given)? where given != channel:
            try await reject(delivery, code: "channel-mismatch", message: "the submission's channel \(given) is not the routing key's \(channel)")
        default: break
        }
        let validation = Result { () throws(SubmissionRejected) -> ReportDraft in try validator.validate(.object(fields)) }
        guard case .success(let draft) = validation else {
            if case .failure(let rejection) = validation {
                try await reject(delivery, code: "invalid-submission", message: "invalid fields: \(rejection.summary)", fields: rejection.problems)
            }
            return
        }
        // A redelivered message (or a channel resending it) carries the same id: it is the same report.
        let messageKey = envelopeID ?? delivery.messageID
        let claim = messageKey.map {
            IdempotencyClaim(scope: "amqp:\(channel)", key: $0, requestHash: Array(SHA256.hash(data: Data(delivery.body))))
        }
        let accepted: AcceptedReport
        do {
            accepted = try await writer.write(draft, idempotency: claim, correlationID: delivery.correlationID)
        } catch let error as IntakeStoreError where error.code == .idempotencyConflict {
            try await reject(delivery, code: "idempotency-conflict", message: "this message id was used before with another body")
        }
        logger.info("report accepted", metadata: [
            "report_id": "\(accepted.reportID.uuidString.lowercased())", "channel": "\(channel)", "replayed": "\(accepted.replayed)",
        ])
        try await reply(to: delivery, body: [
            "status": .string("accepted"),
            "report_id": .string(accepted.reportID.uuidString.lowercased()),
            "tracking_code": .string(accepted.trackingCode.digits),
            "reopen_secret": .string(reopenSecret.secret(forReport: accepted.reportID.uuidString)),
        ])
    }

    /// The submission object and the envelope's id, or a rejection for a body that is neither.
    private func parse(_ body: [UInt8], delivery: AMQPDelivery) throws -> ([String: JSONValue], String?) {
        guard let json = try? JSONValue.parse(body), case .object(let object) = json else {
            throw DeliveryRejection(code: "malformed-json", reason: "the body is not a JSON object")
        }
        guard object["specversion"] != nil else { return (object, nil) }
        let event: CloudEvent
        do {
            event = try CloudEvent.decode(body)
        } catch {
            throw DeliveryRejection(code: error.code.rawValue, reason: error.message)
        }
        guard case .object(let data) = event.data else {
            throw DeliveryRejection(code: "invalid-payload", reason: "the envelope's data must be the submission object")
        }
        return (data, event.id)
    }

    /// Replies with the error (when asked to) and rejects the message to `intake.rejected`.
    private func reject(_ delivery: AMQPDelivery, code: String, message: String, fields: [FieldProblem] = []) async throws -> Never {
        var error: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if !fields.isEmpty {
            error["fields"] = .array(fields.map { .object(["field": .string($0.field), "code": .string($0.code), "message": .string($0.message)]) })
        }
        try await reply(to: delivery, body: ["status": .string("rejected"), "error": .object(error)])
        throw DeliveryRejection(code: code, reason: message)
    }

    /// Sends the reply the channel asked for through the default exchange; not persistent and not
    /// mandatory: the channel's reply queue is its own and may be gone.
    private func reply(to delivery: AMQPDelivery, body: [String: JSONValue]) async throws {
        guard let replyTo = delivery.replyTo, !replyTo.isEmpty, let correlationID = delivery.correlationID else { return }
        let bytes = try JSONEncoder().encode(JSONValue.object(body))
        let message = OutgoingMessage(
            exchange: "", routingKey: replyTo, body: Array(bytes), contentType: "application/json",
            correlationID: correlationID, mandatory: false, persistent: false
        )
        try await publisher.publish(message)
    }
}
