import Foundation
import Hummingbird

/// Open311 GeoReport v2's wire details: its time format, its error documents, JSON or XML by suffix.
enum Open311Format {
    /// ISO 8601 with zone, as the spec asks (`2026-11-29T07:04:07Z`; Tehran-local clients convert).
    static func time(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    /// The spec's error document: `[{"code": 400, "description": "…"}]` or
    /// `<errors><error><code>400</code><description>…</description></error></errors>`.
    static func errorResponse(_ error: APIError, xml: Bool, headers: HTTPFields) -> Response {
        var headers = headers
        let description = error.fields.isEmpty ? error.message : error.fields.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
        let body: String
        if xml {
            var writer = XMLWriter()
            writer.element("errors") { writer in
                writer.element("error") { writer in
                    writer.element("code", String(error.status.code))
                    writer.element("description", description)
                }
            }
            body = writer.text
            headers[.contentType] = "text/xml; charset=utf-8"
        } else {
            let encoded = try? JSONEncoder().encode([ErrorItem(code: error.status.code, description: description)])
            body = encoded.map { String(decoding: $0, as: UTF8.self) } ?? "[]"
            headers[.contentType] = "application/json; charset=utf-8"
        }
        return Response(status: error.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    private struct ErrorItem: Encodable {
        var code: Int
        var description: String
    }
}
