/// The `202` body of a queued status update.
struct StatusReceipt: Encodable {
    var updateID: String
    var reportID: String
    var unit: String
    var status: String
    var state = "queued"

    enum CodingKeys: String, CodingKey {
        case updateID = "update_id", reportID = "report_id", unit, status, state
    }
}
