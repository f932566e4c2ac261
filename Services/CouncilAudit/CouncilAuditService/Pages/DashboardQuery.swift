import Foundation
import Hummingbird

/// What a dashboard page shows: a Jalali period (default the current quarter), the previous period of the
/// same kind, and the other filters — turned into the API's own parameters and ``ReportFilter``, so the
/// page's numbers are the API's summary for the same parameters.
struct DashboardQuery: Sendable {
    /// The period shown.
    var period: JalaliPeriod
    /// Which reports: `true` (child reports, the default), `false` (the others) or `all`.
    var child: String
    /// A district (1–22), a service code, a unit — or nil.
    var district: String?
    var serviceCode: String?
    var unit: String?
    /// The filter of `period`.
    var filter: ReportFilter
    /// The same filter over the previous period.
    var previousFilter: ReportFilter

    /// The dashboard's parameters (any other, such as `lang`, is the page's own).
    static let parameterNames = ["period", "child_friendly", "district", "service_code", "unit"]

    /// The query of a request; a bad value is the API's ``FilterError`` naming the parameter.
    init(_ request: Request, now: Date = Date()) throws(FilterError) {
        var given: [String: String] = [:]
        for name in Self.parameterNames {
            if let value = request.uri.queryParameters[Substring(name)].map(String.init), !value.isEmpty { given[name] = value }
        }
        try self.init(given, now: now)
    }

    /// The query of the dashboard's parameters.
    init(_ given: [String: String], now: Date = Date()) throws(FilterError) {
        if let text = given["period"] {
            guard let period = JalaliPeriod(text) else {
                throw FilterError(parameter: "period", message: "period must be a Jalali year, quarter or month: 1404, 1404-Q3, 1404-07")
            }
            self.period = period
        } else {
            period = JalaliPeriod.quarter(containing: now)
        }
        child = given["child_friendly"] ?? "true"
        district = given["district"]
        serviceCode = given["service_code"]
        unit = given["unit"]
        filter = try ReportFilter(parameters: Self.apiParameters(period: period.label, child: child, district: district, serviceCode: serviceCode, unit: unit), now: now)
        previousFilter = try ReportFilter(parameters: Self.apiParameters(period: period.previous.label, child: child, district: district,
                                                                         serviceCode: serviceCode, unit: unit), now: now)
    }

    /// The API's parameters for these filters (`child_friendly=all` is no filter).
    static func apiParameters(period: String, child: String, district: String?, serviceCode: String?, unit: String?) -> [String: String] {
        var parameters = ["period": period]
        if child != "all" { parameters["child_friendly"] = child }
        if let district { parameters["district"] = district }
        if let serviceCode { parameters["service_code"] = serviceCode }
        if let unit { parameters["unit"] = unit }
        return parameters
    }

    /// The API's parameters of this query.
    var apiParameters: [String: String] {
        Self.apiParameters(period: period.label, child: child, district: district, serviceCode: serviceCode, unit: unit)
    }

    /// `?a=1&b=2` of `parameters` (sorted, percent-encoded), empty for none.
    static func queryString(_ parameters: [String: String]) -> String {
        guard !parameters.isEmpty else { return "" }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return "?" + parameters.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&")
    }

    /// This query's dashboard parameters with `changes` applied (nil removes one).
    func link(_ path: String, _ changes: [String: String?] = [:]) -> String {
        var parameters: [String: String] = ["period": period.label]
        if child != "true" { parameters["child_friendly"] = child }
        if let district { parameters["district"] = district }
        if let serviceCode { parameters["service_code"] = serviceCode }
        if let unit { parameters["unit"] = unit }
        for (key, value) in changes { parameters[key] = value }
        return path + Self.queryString(parameters)
    }
}

extension ReportFilter {
    /// This filter with `change` applied (a list's own narrowing of the page's filter).
    func with(_ change: (inout ReportFilter) -> Void) -> ReportFilter {
        var filter = self
        change(&filter)
        return filter
    }
}
