import WebAPI
import Foundation
import Taxonomy

/// The query of Open311 `GET requests`, checked and turned into a ``ReportQuery``: the spec's filters
/// (`service_request_id`, `service_code`, `start_date`, `end_date`, `status`), its default window (the
/// last 90 days, at most 1000 requests), and the common extensions (`page`, `page_size`,
/// `updated_after`, `updated_before`, `extensions`). Every bad value is a 400 naming the parameter.
struct Open311RequestFilter: Sendable, Hashable {
    /// What the store is asked.
    var query: ReportQuery
    /// Whether `extended_attributes` are added (`extensions=true`).
    var extensions: Bool

    /// The longest span a date range may have, and the default window: 90 days (the spec's limit).
    static let maximumSpan: TimeInterval = 90 * 24 * 3600
    /// The largest page, and the default one: the spec's "first 1000 requests".
    static let maximumPageSize = 1_000
    /// The most ids one query may name.
    static let maximumIDs = 1_000
    /// Pages past this are refused, so an offset never overflows or scans the whole table for nothing.
    static let maximumPage = 100_000

    /// Reads the query's parameters; `now` anchors the default window.
    init(_ form: Open311Form, taxonomy: Taxonomy, now: Date) throws(APIError) {
        do {
            query = ReportQuery()
            extensions = try Self.flag(form.value("extensions"), name: "extensions")
            if !form.values("service_request_id").isEmpty {
                let list = Self.list(form, "service_request_id")
                guard list.count <= Self.maximumIDs else {
                    throw APIError(.badRequest, code: "too-many-ids", message: "service_request_id names more than \(Self.maximumIDs) requests")
                }
                // An id that is not a valid tracking code cannot match any request.
                query.trackingCodes = list.compactMap { TrackingCode(parsing: $0)?.digits }
            }
            if !form.values("service_code").isEmpty {
                let list = Self.list(form, "service_code")
                for code in list where taxonomy.service(code) == nil {
                    throw APIError(.notFound, code: "unknown-service-code", message: "service_code \(code.prefix(64)) was not found; see services.json")
                }
                query.serviceCodes = list.isEmpty ? nil : list
            }
            if !form.values("status").isEmpty {
                let list = Self.list(form, "status")
                for status in list where status != "open" && status != "closed" {
                    throw APIError(.badRequest, code: "invalid-status", message: "status takes open, closed, or both comma separated")
                }
                query.open311Statuses = list.isEmpty ? nil : list
            }
            try readWindow(form, now: now)
            if let page = try form.value("page") {
                guard let number = Int(page), (1...Self.maximumPage).contains(number) else {
                    throw APIError(.badRequest, code: "invalid-page", message: "page is a whole number from 1 to \(Self.maximumPage)")
                }
                query.page = number
            }
            query.pageSize = Self.maximumPageSize
            if let size = try form.value("page_size") {
                guard let number = Int(size), (1...Self.maximumPageSize).contains(number) else {
                    throw APIError(.badRequest, code: "invalid-page-size", message: "page_size is a whole number from 1 to \(Self.maximumPageSize)")
                }
                query.pageSize = number
            }
        } catch let error as Open311FormError {
            throw error.apiError
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.badRequest, code: "malformed-parameters", message: "the query cannot be read")
        }
    }

    /// `start_date`/`end_date` with the spec's defaults — the last 90 days; one end given, 90 days from
    /// it — and `updated_after`/`updated_before`. A client asking by update time (a sync) gets no
    /// default window on the request time: an old report updated today is what it wants to see.
    private mutating func readWindow(_ form: Open311Form, now: Date) throws {
        let start = try Self.time(form.value("start_date"), name: "start_date")
        let end = try Self.time(form.value("end_date"), name: "end_date")
        query.updatedAfter = try Self.time(form.value("updated_after"), name: "updated_after")
        query.updatedBefore = try Self.time(form.value("updated_before"), name: "updated_before")
        if let after = query.updatedAfter, let before = query.updatedBefore, before < after {
            throw APIError(.badRequest, code: "invalid-date-range", message: "updated_before is earlier than updated_after")
        }
        switch (start, end) {
        case let (start?, end?):
            try Self.checkRange(start, end, maximumSpan: Self.maximumSpan, spanWords: "90 days")
            query.start = start
            query.end = end
        case let (start?, nil):
            query.start = start
            query.end = start.addingTimeInterval(Self.maximumSpan)
        case let (nil, end?):
            query.start = end.addingTimeInterval(-Self.maximumSpan)
            query.end = end
        case (nil, nil):
            if query.updatedAfter == nil && query.updatedBefore == nil {
                query.start = now.addingTimeInterval(-Self.maximumSpan)
            }
        }
    }

    /// A list parameter's items: comma separated, and the parameter may be repeated ("can be declared
    /// multiple times, comma delimited", as the spec says of `service_code` and `status`).
    private static func list(_ form: Open311Form, _ name: String) -> [String] {
        form.values(name).flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// 400 when `end_date` is before `start_date` or the two are more than `maximumSpan` apart (`spanWords` says it).
    static func checkRange(_ start: Date, _ end: Date, maximumSpan: TimeInterval, spanWords: String) throws(APIError) {
        guard start <= end else {
            throw APIError(.badRequest, code: "invalid-date-range", message: "end_date is earlier than start_date")
        }
        guard end.timeIntervalSince(start) <= maximumSpan else {
            throw APIError(.badRequest, code: "date-range-too-long", message: "start_date to end_date may span at most \(spanWords)")
        }
    }

    /// A date parameter: nil when absent, a 400 naming it when it is no W3C date-time with zone.
    static func time(_ text: String?, name: String) throws(APIError) -> Date? {
        guard let text else { return nil }
        guard let date = Open311Format.parseTime(text) else {
            throw APIError(.badRequest, code: "invalid-date", message: "\(name) must be a W3C date-time with zone, e.g. 2026-01-01T00:00:00Z or 2026-01-01T08:00:00+03:30")
        }
        return date
    }

    private static func flag(_ text: String?, name: String) throws(APIError) -> Bool {
        switch text?.lowercased() {
        case nil, "false", "0": return false
        case "true", "1": return true
        default: throw APIError(.badRequest, code: "invalid-flag", message: "\(name) is true or false")
        }
    }
}
