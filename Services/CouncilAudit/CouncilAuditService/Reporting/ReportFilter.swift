import Contracts
import Foundation

/// The committee's filters on reports: child-friendly, service code, unit, district, status, overdue, the
/// period the report was received in, and the page.
public struct ReportFilter: Sendable, Hashable {
    public var childFriendly: Bool?
    public var serviceCode: String?
    public var unit: String?
    /// Two digits (`05`).
    public var district: String?
    public var status: String?
    /// Only overdue (true) or only not overdue (false) reports.
    public var overdue: Bool?
    /// Only cases the router raised as repeat hazards (true), or only the others (false).
    public var repeatHazard: Bool?
    /// Received at or after.
    public var from: Date?
    /// Received before.
    public var to: Date?
    /// 1-based page.
    public var page = 1
    /// Reports per page (at most 500).
    public var pageSize = 50
    /// "Now" for overdue (tests fix it).
    public var now = Date()

    /// No filter.
    public init() {}

    /// The query parameters the committee's API reads; any other is a 400 (a misspelt filter would
    /// otherwise silently show every report).
    public static let parameterNames: Set<String> = [
        "child_friendly", "service_code", "unit", "district", "status", "overdue", "repeat_hazard", "period", "from", "to", "page", "page_size",
    ]

    /// The filter of a query string's parameters; the error names the bad parameter.
    public init(parameters: [String: String], now: Date = Date()) throws(FilterError) {
        self.now = now
        if let unknown = parameters.keys.filter({ !Self.parameterNames.contains($0) }).sorted().first {
            throw FilterError(parameter: unknown, message: "\(unknown) is not a filter; use \(Self.parameterNames.sorted().joined(separator: ", "))")
        }
        func flag(_ name: String) throws(FilterError) -> Bool? {
            guard let value = parameters[name] else { return nil }
            switch value.lowercased() {
            case "true", "1", "yes": return true
            case "false", "0", "no": return false
            default: throw FilterError(parameter: name, message: "\(name) must be true or false")
            }
        }
        func text(_ name: String) throws(FilterError) -> String? {
            guard let value = parameters[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            guard value.utf8.count <= 100 else { throw FilterError(parameter: name, message: "\(name) is too long") }
            return value
        }
        childFriendly = try flag("child_friendly")
        overdue = try flag("overdue")
        repeatHazard = try flag("repeat_hazard")
        serviceCode = try text("service_code")
        unit = try text("unit")
        status = try text("status")
        // The statuses a report can have in the committee's view: every status a report can be in.
        if let status, !ReportStatus.held.contains(where: { $0.rawValue == status }) {
            let allowed = ReportStatus.held.map(\.rawValue).sorted()
            throw FilterError(parameter: "status", message: "status must be one of \(allowed.joined(separator: ", "))")
        }
        if let district = try text("district") {
            guard let number = Int(district), (1...22).contains(number) else {
                throw FilterError(parameter: "district", message: "district must be a number from 1 to 22")
            }
            self.district = number < 10 ? "0\(number)" : String(number)
        }
        if let period = try text("period") {
            guard let jalali = JalaliPeriod(period) else {
                throw FilterError(parameter: "period", message: "period must be a Jalali year, quarter or month: 1404, 1404-Q3, 1404-07")
            }
            from = jalali.start
            to = jalali.end
        }
        if let from = try text("from") {
            guard let date = Self.date(from) else { throw FilterError(parameter: "from", message: "from must be a date (2025-09-23) or an RFC 3339 time") }
            self.from = date
        }
        if let to = try text("to") {
            guard let date = Self.date(to) else { throw FilterError(parameter: "to", message: "to must be a date (2025-12-22) or an RFC 3339 time") }
            self.to = date
        }
        if let page = parameters["page"] {
            guard let number = Int(page), number >= 1, number <= 1_000_000 else { throw FilterError(parameter: "page", message: "page must be a positive integer") }
            self.page = number
        }
        if let size = parameters["page_size"] {
            guard let number = Int(size), (1...500).contains(number) else { throw FilterError(parameter: "page_size", message: "page_size must be from 1 to 500") }
            pageSize = number
        }
    }

    /// A Gregorian date (midnight in Tehran) or an RFC 3339 time.
    static func date(_ text: String) -> Date? {
        if let time = Timestamp.parse(text) { return time }
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, text.count == 10 else { return nil }
        return JalaliPeriod.tehranMidnight((parts[0], parts[1], parts[2]))
    }
}
