/// How urgent a report is: `P0` immediate danger to a child or anyone, `P1` days, `P2` suggestions.
public enum Priority: String, Sendable, Codable, CaseIterable, Comparable {
    /// Immediate danger: injured children, broken equipment in use, open manholes, gas heaters in kindergartens.
    case p0 = "P0"
    /// Should be fixed within days.
    case p1 = "P1"
    /// Suggestions, requests and minor matters.
    case p2 = "P2"

    public static func < (lhs: Priority, rhs: Priority) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
