/// What a staff member may do: take calls (`operator`), work one unit's cases (`unit:<code>`), follow
/// the child-friendly reports (`council`), or manage accounts (`admin`). Stored as these strings.
public enum StaffRole: Sendable, Hashable, CustomStringConvertible {
    /// Takes reports on the 137 line (intake's call screen).
    case `operator`
    /// Works the cases of one unit (the units' desk).
    case unit(String)
    /// The city council's child-friendly committee (the dashboard).
    case council
    /// Manages staff accounts.
    case admin

    /// Parses `operator`, `council`, `admin` or `unit:<code>` (a code of lowercase letters, digits and dashes).
    public init?(_ text: String) {
        switch text {
        case "operator": self = .operator
        case "council": self = .council
        case "admin": self = .admin
        default:
            guard text.hasPrefix("unit:") else { return nil }
            let code = text.dropFirst("unit:".count)
            guard !code.isEmpty, code.count <= 64,
                  code.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
            else { return nil }
            self = .unit(String(code))
        }
    }

    /// The stored form: `operator`, `council`, `admin`, `unit:<code>`.
    public var description: String {
        switch self {
        case .operator: "operator"
        case .council: "council"
        case .admin: "admin"
        case .unit(let code): "unit:\(code)"
        }
    }
}
