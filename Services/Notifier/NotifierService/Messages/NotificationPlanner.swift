import Contracts
import Foundation
import JSON
import ReporterSecret
import Taxonomy
import Units

/// Decides what an event sends: the reporter's SMS and e-mail for the events a reporter cares about, in
/// their language, and a copy of every event to each webhook subscription that wants its type. Pure: the
/// handler gives it the stored reporter and the subscriptions and writes what it returns.
public struct NotificationPlanner: Sendable {
    /// The message texts.
    public let templates: MessageTemplates
    /// Service names.
    public let taxonomy: Taxonomy
    /// Unit names (the shared units file).
    public let units: UnitDirectory
    /// The reporter channels configured (SMS without a gateway, or e-mail without a server, plan nothing).
    public let reporterChannels: Set<NotificationChannel>
    /// Derives the reporter's reopen secret for the "received" message (`{reopen_secret}`); without it the
    /// placeholder reads "—" (no reporter channel is configured then, so nothing is sent anyway).
    public let reopenSecret: ReopenSecret?

    /// Creates a planner.
    public init(
        templates: MessageTemplates, taxonomy: Taxonomy, units: UnitDirectory, reporterChannels: Set<NotificationChannel>,
        reopenSecret: ReopenSecret? = nil
    ) {
        self.templates = templates
        self.taxonomy = taxonomy
        self.units = units
        self.reporterChannels = reporterChannels
        self.reopenSecret = reopenSecret
    }

    /// The reporter's record straight from a `report.received`'s data, reading only what the notifier keeps
    /// (no typed decoding of the whole report: that was a sixth of the notifier's CPU per event).
    /// `reporter.notify: false` opts out; `contact_allowed` is about the unit contacting the reporter, not
    /// these messages. Nil when
    /// `report_id` is not a UUID, `tracking_code` not a string, `reporter` not an object, or a field present
    /// with the wrong type.
    public static func reporter(received data: JSONValue) -> ReporterRecord? {
        guard let members = data.objectValue, let reportID = members["report_id"]?.stringValue, UUID(uuidString: reportID) != nil,
              let trackingCode = members["tracking_code"]?.stringValue, let reporter = members["reporter"]?.objectValue
        else { return nil }
        func text(_ value: JSONValue?) -> String?? {
            switch value {
            case nil, .null?: return .some(nil)
            case .string(let text)?: return .some(text.isEmpty ? nil : text)
            default: return nil
            }
        }
        var notify = true
        switch reporter["notify"] {
        case nil, .null?: break
        case .bool(let flag)?: notify = flag
        default: return nil
        }
        guard let language = text(reporter["language"]) else { return nil }
        var phone: String?
        var email: String?
        switch members["contact"] {
        case nil, .null?: break
        case .object(let contact)?:
            guard let givenPhone = text(contact["phone"]), let givenEmail = text(contact["email"]) else { return nil }
            (phone, email) = (givenPhone, givenEmail)
        default: return nil
        }
        return ReporterRecord(reportID: reportID.lowercased(), trackingCode: trackingCode, language: language == "en" ? "en" : "fa",
                              phone: phone, email: email, notify: notify)
    }

    /// Whether an event of `type` may produce a message to the reporter (and so needs the stored reporter).
    public static func concernsReporter(_ type: String) -> Bool {
        [EventType.reportReceived, EventType.reportRouted, EventType.reportReassigned, EventType.reportStatusChanged,
         EventType.reportLinked, EventType.reportUnlinked].contains(type)
    }

    /// Checks the data of the types the notifier reads strictly even when no message is planned (a reporter
    /// without contact): a link or a split that does not match the contract is refused (dead-lettered with
    /// the reason) rather than copied to webhooks as if it were one.
    public static func checkPayload(of event: CloudEvent) throws {
        switch event.type {
        case EventType.reportLinked: _ = try event.payload(as: ReportLinkedData.self)
        case EventType.reportUnlinked: _ = try event.payload(as: ReportUnlinkedData.self)
        default: break
        }
    }

    /// The template kind and its values for `event`, or nil when the reporter is not told about it.
    public func message(for event: CloudEvent, reporter: ReporterRecord) throws -> (kind: String, values: [String: String])? {
        let language = reporter.language
        var values = ["tracking_code": reporter.trackingCode]
        func unitName(_ code: String) -> String {
            guard let unit = units.unit(named: code) else { return code }
            return language == "en" ? unit.name.en : unit.name.fa
        }
        switch event.type {
        case EventType.reportReceived:
            let data = try event.payload(as: ReportReceivedData.self)
            values["received_at"] = MessageDates.format(rfc3339: data.receivedAt, language: language)
            values["reopen_secret"] = reopenSecret.map { secret in
                let digits = secret.secret(forReport: reporter.reportID)
                return language == "en" ? digits : MessageDates.persianDigits(digits)
            } ?? "—"
            return ("received", values)
        case EventType.reportRouted:
            let data = try event.payload(as: ReportRoutedData.self)
            values["unit"] = unitName(data.unit)
            values["deadline"] = MessageDates.format(rfc3339: data.deadline, language: language)
            let service = taxonomy.service(data.serviceCode)
            values["service"] = service.map { language == "en" ? $0.name.en : $0.name.fa } ?? data.serviceCode
            return ("routed", values)
        case EventType.reportReassigned:
            let data = try event.payload(as: ReportReassignedData.self)
            values["unit"] = unitName(data.unit)
            values["deadline"] = MessageDates.format(rfc3339: data.deadline, language: language)
            return ("reassigned", values)
        case EventType.reportStatusChanged:
            let data = try event.payload(as: ReportStatusChangedData.self)
            values["unit"] = unitName(data.unit)
            values["note"] = data.note ?? "—"
            values["reason"] = data.reason ?? data.note ?? "—"
            switch data.status {
            case "resolved": return ("resolved", values)
            case "rejected": return ("rejected", values)
            default: return nil
            }
        case EventType.reportLinked:
            // The unit that has the case; never the case's tracking code or anything of its reporter.
            let data = try event.payload(as: ReportLinkedData.self)
            values["unit"] = unitName(data.unit)
            let service = taxonomy.service(data.serviceCode)
            values["service"] = service.map { language == "en" ? $0.name.en : $0.name.fa } ?? data.serviceCode
            return ("linked", values)
        case EventType.reportUnlinked:
            // The unit's reason is left out: it may describe the case's report, another reporter's.
            let data = try event.payload(as: ReportUnlinkedData.self)
            values["unit"] = unitName(data.unit)
            values["deadline"] = MessageDates.format(rfc3339: data.deadline, language: language)
            return ("unlinked", values)
        default:
            return nil
        }
    }

    /// Everything `event` sends. `body` is the event as received; webhooks get it without personal data
    /// (`WebhookCopy`: byte for byte when there is none).
    public func plans(event: CloudEvent, body: String, reporter: ReporterRecord?, subscriptions: [WebhookSubscription]) throws -> [NotificationPlan] {
        var plans: [NotificationPlan] = []
        if let reporter, reporter.reachable, let (kind, values) = try message(for: event, reporter: reporter),
           let template = templates.template(kind, language: reporter.language) {
            let subject = MessageTemplates.fill(template.subject, values)
            let text = MessageTemplates.fill(template.text, values)
            if let phone = reporter.phone, reporterChannels.contains(.sms) {
                plans.append(NotificationPlan(eventID: event.id, channel: .sms, recipient: phone, subject: nil, body: text))
            }
            if let email = reporter.email, reporterChannels.contains(.email) {
                plans.append(NotificationPlan(eventID: event.id, channel: .email, recipient: email, subject: subject, body: text))
            }
        }
        let wanting = subscriptions.filter { $0.wants(event.type) }
        if !wanting.isEmpty {
            let outward = try WebhookCopy.body(of: event, received: body)
            for subscription in wanting {
                plans.append(NotificationPlan(
                    eventID: event.id, channel: .webhook, recipient: subscription.url, subscriptionID: subscription.id,
                    subject: nil, body: outward))
            }
        }
        return plans
    }
}
