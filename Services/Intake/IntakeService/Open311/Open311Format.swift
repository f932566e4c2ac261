import WebAPI
import Foundation
import Hummingbird

/// Open311 GeoReport v2's wire details: its time format, its error documents, JSON or XML by suffix.
enum Open311Format {
    /// ISO 8601 with zone, as the spec asks (`2026-11-29T07:04:07Z`; Tehran-local clients convert).
    static func time(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    /// The spec's error document: `[{"code": 400, "description": "…"}]` or
    /// `<errors><error><code>400</code><description>…</description></error></errors>` — one error per
    /// field at fault (`lat: lat must be a number`), else one with the message.
    static func errorResponse(_ error: APIError, xml: Bool, headers: HTTPFields) -> Response {
        let descriptions = error.fields.isEmpty ? [error.message] : error.fields.map { "\($0.field): \($0.message)" }
        let document = Open311Document(root: "errors", body: .list(item: "error", descriptions.map { description in
            .object([.init("code", .integer(error.status.code)), .init("description", .string(description))])
        }))
        let encoding: Open311Encoding = xml ? .xml : .json
        var response = document.response(encoding, status: error.status)
        for field in headers { response.headers[field.name] = field.value }
        return response
    }
}
