import WebAPI
import Crypto
import Foundation
import Hummingbird
import Logging
import Taxonomy

/// The committee's read-only HTTP API: reports (filtered, paged), one report's timeline with its chain
/// hashes, and the summary — each as JSON, or CSV with `Accept: text/csv` or a `.csv` path. Every request
/// needs `Authorization: Bearer OPEN137_COUNCIL_KEY` (401 without one, 403 with another key).
public struct CouncilAPI: Sendable {
    /// The queries.
    public let queries: CouncilQueries
    /// SHA-256 of the committee's key (compared in constant time, so the key never sits in a comparison).
    private let keyHash: [UInt8]

    /// An API over `queries` readable with `apiKey`.
    public init(queries: CouncilQueries, apiKey: String) {
        self.queries = queries
        keyHash = Array(SHA256.hash(data: Data(apiKey.utf8)))
    }

    /// The router with every route.
    public func makeRouter() -> Router<CouncilRequestContext> {
        let router = Router(context: CouncilRequestContext.self)
        router.add(middleware: APIErrorMiddleware(translate: APIError.council))
        let api = router.group("api/v1/council")
        api.get("reports") { request, _ in try await self.reports(request, csv: Self.wantsCSV(request)) }
        api.get("reports.csv") { request, _ in try await self.reports(request, csv: true) }
        api.get("reports/:id/timeline") { request, context in try await self.timeline(request, context, csv: Self.wantsCSV(request)) }
        api.get("reports/:id/timeline.csv") { request, context in try await self.timeline(request, context, csv: true) }
        api.get("summary") { request, _ in try await self.summary(request, csv: Self.wantsCSV(request)) }
        api.get("summary.csv") { request, _ in try await self.summary(request, csv: true) }
        return router
    }

    private func authorize(_ request: Request) throws(APIError) {
        guard let value = request.headers[.authorization] else { throw .unauthorized }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw .unauthorized }
        let offered = Array(SHA256.hash(data: Data(parts[1].trimmingCharacters(in: .whitespaces).utf8)))
        var difference: UInt8 = 0
        for (a, b) in zip(offered, keyHash) { difference |= a ^ b }
        guard difference == 0 else { throw .notTheCommittee }
    }

    static func wantsCSV(_ request: Request) -> Bool {
        request.headers[.accept]?.lowercased().contains("text/csv") ?? false
    }

    static func parameters(_ request: Request) -> [String: String] {
        var parameters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { parameters[String(key)] = String(value) }
        return parameters
    }

    private func reports(_ request: Request, csv: Bool) async throws -> Response {
        try authorize(request)
        let page = try await queries.reports(try ReportFilter(parameters: Self.parameters(request)))
        return csv ? Self.csv(CouncilCSV.reports(page), name: "council-reports.csv") : try Self.json(page)
    }

    private func timeline(_ request: Request, _ context: CouncilRequestContext, csv: Bool) async throws -> Response {
        try authorize(request)
        let id = context.parameters.get("id") ?? ""
        var reportID = UUID(uuidString: id)
        if reportID == nil, id.count == 10, id.allSatisfy(\.isASCII), id.allSatisfy(\.isNumber) {
            reportID = try await queries.reportID(trackingCode: id)
        }
        guard let reportID, let entries = try await queries.timeline(reportID: reportID) else {
            throw APIError(.notFound, code: "not-found", message: "the audit log holds no report with this id or tracking code")
        }
        return csv ? Self.csv(CouncilCSV.timeline(entries), name: "council-timeline.csv") : try Self.json(["report_id": reportID.uuidString.lowercased()], entries: entries)
    }

    private func summary(_ request: Request, csv: Bool) async throws -> Response {
        try authorize(request)
        let summary = try await queries.summary(try ReportFilter(parameters: Self.parameters(request)))
        return csv ? Self.csv(CouncilCSV.summary(summary), name: "council-summary.csv") : try Self.json(summary)
    }

    /// The encoder of every JSON answer: snake_case keys, RFC 3339 times.
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static func json(_ value: some Encodable) throws -> Response {
        let body = try encoder().encode(value)
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    private struct Timeline: Encodable {
        var reportID: String
        var entries: [TimelineEntry]
    }

    static func json(_ head: [String: String], entries: [TimelineEntry]) throws -> Response {
        try json(Timeline(reportID: head["report_id"] ?? "", entries: entries))
    }

    static func csv(_ text: String, name: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\""],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
