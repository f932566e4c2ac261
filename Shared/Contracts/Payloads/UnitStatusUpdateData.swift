/// A unit's status update, published to `open137.unit-updates` with routing key `<unit>.status` (or posted
/// to intake's `POST /api/v1/reports/{id}/status`): a CloudEvent of type ``eventType`` whose `data` is this,
/// or this JSON alone with the AMQP message id as its id. The router applies it through its state machine.
public struct UnitStatusUpdateData: Sendable, Hashable, Codable {
    /// The CloudEvents type of a status update.
    public static let eventType = "unit.status-update"

    /// The report's id.
    public var reportID: String
    /// The unit sending the update (must be the report's current unit); `council` or `reporter` (published by
    /// intake for the reporter, routing key `reporter.status`) may only reopen.
    public var unit: String
    /// `acknowledged`, `in_progress`, `resolved`, `rejected`, `referred` or (the council or the reporter) `reopened`.
    public var status: String
    /// What the unit wants the reporter and the committee to read.
    public var note: String?
    /// Why, required for `rejected`.
    public var reason: String?
    /// The unit it is referred to, required for `referred`.
    public var referredTo: String?

    /// Creates an update.
    public init(reportID: String, unit: String, status: String, note: String? = nil, reason: String? = nil, referredTo: String? = nil) {
        self.reportID = reportID
        self.unit = unit
        self.status = status
        self.note = note
        self.reason = reason
        self.referredTo = referredTo
    }

    enum CodingKeys: String, CodingKey {
        case reportID = "report_id", unit, status, note, reason, referredTo = "referred_to"
    }
}
