import WebAPI
import Foundation
import HTTPTypes
import Hummingbird

extension IntakeAPI {
    /// `GET /open311/discovery.{format}`: where the GeoReport v2 endpoint is and what it speaks.
    func open311Discovery(_ request: Request, context: IntakeRequestContext, encoding: Open311Encoding) throws -> Response {
        try limitAddress(context)
        _ = try open311Query(request)
        let document = Open311Document(root: "discovery", body: .discovery(endpointURL: Self.open311EndpointURL(request)))
        return document.response(encoding)
    }

    /// `GET /open311/v2/services.{format}`: the taxonomy as Open311 services.
    func open311Services(_ request: Request, context: IntakeRequestContext, encoding: Open311Encoding) throws -> Response {
        try limitAddress(context)
        let query = try open311Query(request)
        let language = open311Language(request, query)
        return Open311Document(root: "services", body: .services(taxonomy, language: language)).response(encoding)
    }

    /// `GET /open311/v2/services/{code}.{format}`: one service's definition, 404 for a code the taxonomy lacks.
    func open311ServiceDefinition(_ request: Request, context: IntakeRequestContext, encoding: Open311Encoding) throws -> Response {
        try limitAddress(context)
        let query = try open311Query(request)
        let code = Self.pathParameter("service_code", context)
        guard let service = taxonomy.service(code) else {
            throw APIError(.notFound, code: "unknown-service-code", message: "service_code \(code.prefix(64)) was not found; see services.json")
        }
        let language = open311Language(request, query)
        return Open311Document(root: "service_definition", body: .serviceDefinition(service, language: language)).response(encoding)
    }

    /// The absolute URL of the v2 endpoint as the client reached this server: its `Host`, and https when
    /// a proxy says so. A host that is not a plain host name falls back to the path alone.
    static func open311EndpointURL(_ request: Request) -> String {
        let path = "/open311/v2"
        guard let host = request.head.authority, !host.isEmpty, host.count <= 255,
              host.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".-:[]".unicodeScalars.contains($0)) })
        else { return path }
        let forwarded = request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased()
        let scheme = forwarded == "https" ? "https" : "http"
        return "\(scheme)://\(host)\(path)"
    }
}
