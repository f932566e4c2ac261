import Contracts
import Foundation
import Taxonomy
import Units

/// The routing rules, without broker or database: the unit from the units file (or `triage` when the
/// classifier flagged the report or its code is unknown), the district from the report or its point, and
/// the deadline from the taxonomy's hours for the code and priority, counted from when intake accepted it
/// (so a redelivered report gets the same deadline).
public struct ReportRouter: Sendable {
    /// The service codes and their deadlines.
    public let taxonomy: Taxonomy
    /// The units and the codes they handle.
    public let units: UnitDirectory
    /// District boundaries.
    public let districts: DistrictLocator

    /// Creates a router.
    public init(taxonomy: Taxonomy, units: UnitDirectory, districts: DistrictLocator) {
        self.taxonomy = taxonomy
        self.units = units
        self.districts = districts
    }

    /// Where `data` goes; `now` stands in for an unreadable `received_at`.
    public func route(_ data: ReportClassifiedData, now: Date = Date()) -> RouteDecision {
        let classification = data.classification
        let triage = classification.triage
        let unit = triage ? UnitDirectory.triageUnit : units.unit(for: classification.serviceCode)
        let start = CloudEvent.parseTime(data.report.receivedAt) ?? now
        return RouteDecision(
            unit: unit, district: districts.district(of: data.report.location),
            deadline: deadline(serviceCode: classification.serviceCode, priority: classification.priority, from: start),
            triage: triage)
    }

    /// `start` plus the taxonomy's hours for the code (the fallback code's when unknown) and priority
    /// (`P1`'s when the priority is not one of P0–P2).
    public func deadline(serviceCode: String, priority: String, from start: Date) -> Date {
        let service = taxonomy.service(serviceCode) ?? taxonomy.service(Taxonomy.fallbackCode)!
        let hours = service.deadlineHours.hours(for: Priority(rawValue: priority) ?? .p1)
        return start.addingTimeInterval(TimeInterval(hours) * 3600)
    }
}
