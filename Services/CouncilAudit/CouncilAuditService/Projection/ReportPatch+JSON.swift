extension ReportPatch {
    /// The patches as the JSON array `jsonb_to_recordset` reads (absent values left out, so they read as
    /// NULL), written by hand: Foundation's `JSONEncoder` cost more CPU per event than hashing and inserting it.
    static func jsonArray(_ patches: [ReportPatch]) -> String {
        var out: [UInt8] = [UInt8(ascii: "[")]
        out.reserveCapacity(patches.count * 400)
        for (index, patch) in patches.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            patch.writeJSON(into: &out)
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    /// One patch as a JSON object with the keys of `CodingKeys`.
    func writeJSON(into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        Self.member("report_id", reportID.uuidString.lowercased(), first: true, into: &out)
        for (name, value) in [
            ("tracking_code", trackingCode), ("channel", channel), ("service_code", serviceCode), ("priority", priority),
            ("unit", unit), ("district", district), ("reporter_type", reporterType), ("received_at", receivedAt),
            ("deadline", deadline), ("status", status), ("early_status", earlyStatus), ("status_at", statusAt),
            ("assigned_at", assignedAt), ("first_action_at", firstActionAt), ("resolved_at", resolvedAt),
            ("rejected_reason", rejectedReason),
        ] {
            if let value { Self.member(name, value, into: &out) }
        }
        if let childFriendly { Self.raw("child_friendly", childFriendly ? "true" : "false", into: &out) }
        Self.raw("reopened", String(reopened), into: &out)
        Self.raw("referred", String(referred), into: &out)
        if let referralCount { Self.raw("referral_count", String(referralCount), into: &out) }
        Self.raw("escalation_level", String(escalationLevel), into: &out)
        Self.raw("seq", String(seq), into: &out)
        out.append(UInt8(ascii: "}"))
    }

    private static func member(_ name: String, _ value: String, first: Bool = false, into out: inout [UInt8]) {
        if !first { out.append(UInt8(ascii: ",")) }
        string(name, into: &out)
        out.append(UInt8(ascii: ":"))
        string(value, into: &out)
    }

    private static func raw(_ name: String, _ literal: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: ","))
        string(name, into: &out)
        out.append(UInt8(ascii: ":"))
        out.append(contentsOf: literal.utf8)
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string: quote, backslash and control characters escaped, everything else as UTF-8.
    private static func string(_ value: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0..<0x20:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
