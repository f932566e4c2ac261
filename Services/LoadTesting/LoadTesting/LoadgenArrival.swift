import Foundation

/// What the unit-queue consumers saw of one report: every message id that reached its unit's queue and
/// the council's queue, how often, and when the first unit delivery arrived.
struct LoadgenArrival: Sendable, Hashable {
    /// The report id (the delivery's `report_id`).
    var reportID: String
    /// The unit it was assigned to (of the first delivery).
    var unit: String
    /// The service code the classifier decided.
    var serviceCode: String
    /// Whether the pipeline treated it as a child report (then a council copy is due).
    var childFriendly: Bool
    /// Intake's `received_at` of the report, as the delivery carries it (RFC 3339, milliseconds).
    var receivedAt: String
    /// When the first delivery reached a unit-queue consumer (wall clock).
    var firstUnitArrival: Date?
    /// Unit deliveries: message id → times delivered (more than 1 = a redelivery on the wire).
    var unitMessages: [String: Int] = [:]
    /// Council copies: message id → times delivered.
    var councilMessages: [String: Int] = [:]

    /// Times a message id came again (redeliveries), unit and council queues together.
    var wireDuplicates: Int {
        unitMessages.values.reduce(0) { $0 + $1 - 1 } + councilMessages.values.reduce(0) { $0 + $1 - 1 }
    }

    /// Deliveries to units beyond the first under other message ids: what de-duplication by message id
    /// cannot remove.
    var unitDuplicates: Int { max(unitMessages.count - 1, 0) }
}
