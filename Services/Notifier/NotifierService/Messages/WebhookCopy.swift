import Contracts
import JSON
import ServiceHosting

/// What a webhook subscriber receives of an event: the event without personal data. Subscribers are
/// outside systems (dashboards, a city's open-data feed), so the reporter's contact (`data.contact`, and
/// `data.report.contact` in `report.classified`) is removed and phone numbers or e-mail addresses typed
/// into free text (descriptions, units' notes and reasons) are masked, as public views mask them.
/// Contact leaves Open137 only through the notifier's own messages to the reporter and to a unit the
/// reporter allowed to call back.
enum WebhookCopy {
    /// The members removed wherever they stand in `data` or `data.report`.
    static let personalMembers: Set<String> = ["contact"]
    /// Free-text members whose phone numbers and e-mail addresses are masked.
    static let freeTextMembers: Set<String> = ["description", "note", "reason", "status_notes"]

    /// The body to send: `body` byte for byte when the event holds nothing personal (most status events),
    /// else the event written again without it.
    static func body(of event: CloudEvent, received body: String) throws -> String {
        let cleaned = clean(event.data)
        guard cleaned != event.data else { return body }
        var outward = event
        outward.data = cleaned
        return String(decoding: try outward.encoded(), as: UTF8.self)
    }

    /// `data` with the personal members removed and the free text masked, in `data` and one level below
    /// (`data.report`).
    static func clean(_ data: JSONValue, depth: Int = 0) -> JSONValue {
        guard case .object(var members) = data else { return data }
        for name in personalMembers { members.removeValue(forKey: name) }
        for (name, value) in members {
            switch value {
            case .string(let text) where freeTextMembers.contains(name):
                let masked = Redaction.redactContactDetails(text)
                if masked != text { members[name] = .string(masked) }
            case .object where depth == 0:
                members[name] = clean(value, depth: 1)
            default:
                break
            }
        }
        return .object(members)
    }
}
