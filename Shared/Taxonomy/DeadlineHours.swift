/// Hours a unit has to resolve a report, per priority.
public struct DeadlineHours: Sendable, Equatable, Decodable {
    /// Immediate danger.
    public var p0: Int
    /// To be fixed within days.
    public var p1: Int
    /// Suggestions and minor matters.
    public var p2: Int

    /// The hours for one priority.
    public func hours(for priority: Priority) -> Int {
        switch priority {
        case .p0: p0
        case .p1: p1
        case .p2: p2
        }
    }

    enum CodingKeys: String, CodingKey {
        case p0 = "P0", p1 = "P1", p2 = "P2"
    }
}
