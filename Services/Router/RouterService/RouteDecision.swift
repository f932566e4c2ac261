import Foundation

/// Where a classified report goes: its unit, its two-digit district and its deadline.
public struct RouteDecision: Sendable, Equatable {
    /// The responsible unit's code.
    public var unit: String
    /// `01`–`22`, or `00` when unknown.
    public var district: String
    /// When the unit must have resolved it.
    public var deadline: Date
    /// Whether it went to `triage` because the classifier flagged it.
    public var triage: Bool

    /// Creates a decision.
    public init(unit: String, district: String, deadline: Date, triage: Bool) {
        self.unit = unit
        self.district = district
        self.deadline = deadline
        self.triage = triage
    }

    /// The routing key on the units exchange: `<unit>.d<NN>`.
    public var routingKey: String { "\(unit).d\(district)" }
}
