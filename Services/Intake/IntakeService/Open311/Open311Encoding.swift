/// The two renderings of every Open311 resource, chosen by the path's required suffix (`.json`, `.xml`).
enum Open311Encoding: String, CaseIterable, Sendable {
    /// `application/json`: the Spark-convention mapping of the XML.
    case json
    /// `text/xml`: the spec's primary format.
    case xml

    /// The `Content-Type` the spec asks for, always UTF-8.
    var contentType: String {
        switch self {
        case .json: "application/json; charset=utf-8"
        case .xml: "text/xml; charset=utf-8"
        }
    }

    /// The MIME type as discovery lists it.
    var mimeType: String {
        switch self {
        case .json: "application/json"
        case .xml: "text/xml"
        }
    }
}
