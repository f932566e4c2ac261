import BrokerTopology
import Contracts

/// What arrives in a unit's queue, as the desk reads it (the AsyncAPI contract of `unit.<unit>`): the
/// router's deliveries, the reports it linked to the unit's cases, and its answers to the unit's own
/// status updates and split requests. Anything else — not a
/// CloudEvent, an unknown type, a payload that does not decode, or a message about another unit — is
/// ``unreadable(_:)`` with the reason, kept by the desk and acknowledged.
enum DeskMessage: Sendable {
    /// A delivery (`report.assigned`): a new case, or a referral back or a reopening of a known one.
    case delivery(id: String, ReportAssignedData)
    /// The router applied a status change of one of the unit's reports (`report.status-changed`).
    case statusChanged(id: String, correlationID: String?, ReportStatusChangedData)
    /// The unit's referral moved the report to another unit (`report.reassigned`).
    case reassigned(id: String, correlationID: String?, ReportReassignedData)
    /// The router refused one of the unit's status updates (`unit.status-refused`).
    case refused(id: String, correlationID: String?, UnitStatusRefusedData)
    /// A new report joined one of the unit's cases (`report.linked`, the unit's copy).
    case linked(id: String, ReportLinkedData)
    /// The unit's split request was applied (`report.unlinked`).
    case unlinked(id: String, correlationID: String?, ReportUnlinkedData)
    /// One of the unit's cases keeps coming back: its priority and deadline raised (`report.repeat-hazard`).
    case repeatHazard(id: String, ReportRepeatHazardData)
    /// Not for the desk, with why.
    case unreadable(String)

    /// Reads a message body of `unit`'s queue.
    static func read(_ body: [UInt8], unit: String) -> DeskMessage {
        let event: CloudEvent
        do {
            event = try CloudEvent.decode(body)
        } catch {
            return .unreadable("\(error.code.rawValue): \(error.message)")
        }
        do {
            switch event.type {
            case EventType.reportAssigned:
                let data = try event.payload(as: ReportAssignedData.self)
                guard data.unit == unit else { return .unreadable("a delivery for unit \(data.unit) in the queue of \(unit)") }
                return .delivery(id: event.id, data)
            case EventType.reportStatusChanged:
                return .statusChanged(id: event.id, correlationID: event.correlationid, try event.payload(as: ReportStatusChangedData.self))
            case EventType.reportReassigned:
                let data = try event.payload(as: ReportReassignedData.self)
                guard data.fromUnit == unit else { return .unreadable("a referral from unit \(data.fromUnit) in the queue of \(unit)") }
                return .reassigned(id: event.id, correlationID: event.correlationid, data)
            case UnitStatusRefusedData.eventType:
                return .refused(id: event.id, correlationID: event.correlationid, try event.payload(as: UnitStatusRefusedData.self))
            case EventType.reportLinked:
                let data = try event.payload(as: ReportLinkedData.self)
                guard data.unit == unit else { return .unreadable("a link to a case of unit \(data.unit) in the queue of \(unit)") }
                return .linked(id: event.id, data)
            case EventType.reportUnlinked:
                let data = try event.payload(as: ReportUnlinkedData.self)
                guard data.unit == unit else { return .unreadable("a split by unit \(data.unit) in the queue of \(unit)") }
                return .unlinked(id: event.id, correlationID: event.correlationid, data)
            case EventType.reportRepeatHazard:
                let data = try event.payload(as: ReportRepeatHazardData.self)
                guard data.unit == unit else { return .unreadable("a repeat hazard of unit \(data.unit) in the queue of \(unit)") }
                return .repeatHazard(id: event.id, data)
            default:
                return .unreadable("event \(event.id) has type \(event.type), which a unit's desk does not handle")
            }
        } catch {
            return .unreadable("event \(event.id) of type \(event.type): its data does not match the contract")
        }
    }

    /// The id the inbox records (a delivery's `<report_id>.a<N>`, an answer's event id); nil for an unreadable message.
    var eventID: String? {
        switch self {
        case .delivery(let id, _), .statusChanged(let id, _, _), .reassigned(let id, _, _), .refused(let id, _, _), .linked(let id, _),
             .unlinked(let id, _, _), .repeatHazard(let id, _): id
        case .unreadable: nil
        }
    }
}
