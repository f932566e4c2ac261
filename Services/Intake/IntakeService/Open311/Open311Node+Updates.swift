extension Open311Node {
    /// One `request_update` of the updates feed, in the field order of FixMyStreet's spec. `description`
    /// is the unit's public note alone (empty otherwise); `media_url` is empty (units attach no media).
    static func update(_ update: PublicUpdate) -> Open311Node {
        .object([
            Field("update_id", .string(update.updateID)),
            Field("service_request_id", .string(update.trackingCode)),
            Field("status", .string(FixMyStreetStatus(update.status).rawValue)),
            Field("updated_datetime", .string(Open311Format.time(update.at))),
            Field("description", .text(update.note)),
            Field("media_url", .null),
        ])
    }

    /// The answer to `POST servicerequestupdates`: our id for the citizen's update.
    static func updateAccepted(_ updateID: String) -> Open311Node {
        .list(item: "request_update", [.object([Field("update_id", .string(updateID))])])
    }
}
