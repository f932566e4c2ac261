/// The router's answer to a unit's status update it would not apply, sent to that unit alone: a CloudEvent of
/// type ``eventType`` on `open137.units` with routing key `<unit>.status-refused` (so it reaches the unit's
/// queue `unit.<unit>`, bound `<unit>.#`), whose `correlationid` is the update's. The update itself goes to
/// `router.unit-updates.dlq` as before; this tells the unit why without giving it the dead-letter queue.
public struct UnitStatusRefusedData: Sendable, Hashable, Codable {
    /// The CloudEvents type of a refusal.
    public static let eventType = "unit.status-refused"

    /// The report the update named.
    public var reportID: String
    /// The unit that sent the update (from the routing key it was allowed to publish with).
    public var unit: String
    /// The refused update's id (its CloudEvent id, or its AMQP message id).
    public var updateID: String
    /// The status the unit asked for.
    public var status: String
    /// Why, machine-readable: `wrong-unit`, `illegal-transition`, `unknown-unit`, `missing-reason`,
    /// `unknown-status`, `unknown-report`, `out-of-order`, `invalid-payload`.
    public var code: String
    /// Why, in words (report ids and statuses only, never personal data).
    public var reason: String
    /// When the router refused it (RFC 3339).
    public var at: String

    /// Creates a refusal.
    public init(reportID: String, unit: String, updateID: String, status: String, code: String, reason: String, at: String) {
        self.reportID = reportID
        self.unit = unit
        self.updateID = updateID
        self.status = status
        self.code = code
        self.reason = reason
        self.at = at
    }

    enum CodingKeys: String, CodingKey {
        case reportID = "report_id", unit, updateID = "update_id", status, code, reason, at
    }
}
