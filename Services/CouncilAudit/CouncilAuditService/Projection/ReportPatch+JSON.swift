import JSON

extension ReportPatch {
    /// The patches as the JSON array `jsonb_to_recordset` reads (absent values left out, so they read as
    /// NULL), written by hand: Foundation's `JSONEncoder` cost more CPU per event than hashing and inserting it.
    static func jsonArray(_ patches: [ReportPatch]) -> String {
        var json = JSONText()
        json.raw("[")
        for (index, patch) in patches.enumerated() {
            if index > 0 { json.raw(",") }
            patch.writeJSON(into: &json)
        }
        json.raw("]")
        return json.text
    }

    /// One patch as a JSON object with the keys of `CodingKeys`.
    func writeJSON(into json: inout JSONText) {
        json.raw("{")
        json.member("report_id", reportID.uuidString.lowercased(), first: true)
        for (name, value) in [
            ("tracking_code", trackingCode), ("channel", channel), ("service_code", serviceCode), ("priority", priority),
            ("unit", unit), ("district", district), ("reporter_type", reporterType), ("received_at", receivedAt),
            ("deadline", deadline), ("status", status), ("early_status", earlyStatus), ("status_at", statusAt),
            ("assigned_at", assignedAt), ("first_action_at", firstActionAt), ("resolved_at", resolvedAt),
            ("rejected_reason", rejectedReason), ("linked_to", linkedTo), ("linked_to_tracking_code", linkedToTrackingCode),
            ("link_at", linkAt), ("repeat_reason", repeatReason),
        ] {
            if let value { json.member(name, value) }
        }
        if let childFriendly { json.member("child_friendly", bool: childFriendly) }
        json.member("reopened", literal: String(reopened))
        json.member("referred", literal: String(referred))
        if let referralCount { json.member("referral_count", literal: String(referralCount)) }
        json.member("escalation_level", literal: String(escalationLevel))
        json.member("unlinked", literal: String(unlinked))
        json.member("seq", literal: String(seq))
        json.raw("}")
    }
}
