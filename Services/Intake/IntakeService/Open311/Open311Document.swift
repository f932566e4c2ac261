import Hummingbird

/// A whole Open311 response: its XML root element and its content, rendered in the format the path asked for.
struct Open311Document: Sendable {
    /// The XML root element (`services`, `service_definition`, `service_requests`, `discovery`); JSON has no root name.
    var root: String
    /// The content.
    var body: Open311Node

    /// Creates a document.
    init(root: String, body: Open311Node) {
        self.root = root
        self.body = body
    }

    /// The document as text in `encoding`.
    func text(_ encoding: Open311Encoding) -> String {
        switch encoding {
        case .json:
            return body.jsonText
        case .xml:
            var writer = XMLWriter()
            body.writeXML(named: root, into: &writer)
            return writer.text
        }
    }

    /// The HTTP response carrying the document.
    func response(_ encoding: Open311Encoding, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: encoding.contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text(encoding)))
        )
    }
}
