import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// Renders pages: a service's own Mustache templates inside the shared layout (`layout.mustache`: the
/// language and direction, the header with the language switch and the staff member's name, the
/// styles). Values are HTML-escaped by Mustache (`{{…}}`); only the rendered content goes in unescaped.
public struct PageRenderer: Sendable {
    private let library: MustacheLibrary

    /// The layout plus every `.mustache` file in the `Templates` folder of `bundle` (a service's `Bundle.module`).
    public init(bundle: Bundle) throws {
        var library = MustacheLibrary()
        for (source, folder) in [(Bundle.module, "Templates"), (bundle, "Templates")] {
            guard let directory = source.resourceURL?.appendingPathComponent(folder),
                  let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { continue }
            for url in names.filter({ $0.hasSuffix(".mustache") }).map(directory.appendingPathComponent) {
                try library.register(String(decoding: try Data(contentsOf: url), as: UTF8.self), named: url.deletingPathExtension().lastPathComponent)
            }
        }
        guard library.getTemplate(named: "layout") != nil else { throw CocoaError(.fileNoSuchFile) }
        self.library = library
    }

    /// The page of `template` rendered from `content`, in the layout described by `frame`.
    public func render(_ template: String, _ content: Any, frame: PageFrame, status: HTTPResponse.Status = .ok) -> Response {
        let inner = library.render(content, withTemplate: template) ?? ""
        var frame = frame
        frame.content = inner
        let html = library.render(frame, withTemplate: "layout") ?? inner
        return Self.html(html, status: status)
    }

    /// The page of one message (`message.mustache`: a heading and an alert) — errors, refusals, limits:
    /// never a 5xx without words.
    public func message(_ title: String, _ message: String, frame: PageFrame, status: HTTPResponse.Status) -> Response {
        render("message", Message(heading: title, message: message), frame: frame, status: status)
    }

    private struct Message {
        var heading: String
        var message: String
    }

    /// An HTML response with the headers every page carries: nothing from other origins may load
    /// (`Content-Security-Policy`), no framing, no sniffing, no referrer beyond this site, no caching of
    /// pages that may show a tracking code or a caller's number.
    public static func html(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8",
            .cacheControl: "no-store",
            HTTPField.Name("Content-Security-Policy")!: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ]
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// A `303 See Other` to `location` (after a form post, so a reload does not post again).
    public static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }
}
