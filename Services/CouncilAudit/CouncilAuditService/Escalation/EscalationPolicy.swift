/// When an unresolved child report is escalated, and to whom: level 1 (its unit) at the deadline, level 2
/// (the deputy) a day later, level 3 (the council's child-friendly-city committee) three days after the
/// deadline. Each level once per report.
public struct EscalationPolicy: Sendable, Hashable {
    /// Hours past the deadline at which each level is due; index 0 is level 1.
    public var hoursAfterDeadline: [Int]

    /// The policy; the default is 0, 24 and 72 hours.
    public init(hoursAfterDeadline: [Int] = [0, 24, 72]) {
        precondition(hoursAfterDeadline.count == 3, "three levels: unit, deputy, council committee")
        self.hoursAfterDeadline = hoursAfterDeadline
    }
}
