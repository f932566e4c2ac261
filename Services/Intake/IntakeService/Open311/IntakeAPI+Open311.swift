import WebAPI
import Foundation
import Hummingbird

extension IntakeAPI {
    /// Open311 GeoReport v2 under `/open311/v2/` and discovery at `/open311/discovery.{json,xml}`: every
    /// resource in both formats, the suffix required (as the spec's URLs have it). Errors are answered
    /// by `APIErrorMiddleware` in the spec's `errors` format, XML for `.xml` paths.
    func addOpen311Routes(to router: Router<IntakeRequestContext>) {
        for encoding in Open311Encoding.allCases {
            let suffix = encoding.rawValue
            router.get(RouterPath("/open311/discovery.\(suffix)")) { request, context in
                try open311Discovery(request, context: context, encoding: encoding)
            }
            router.get(RouterPath("/open311/v2/services.\(suffix)")) { request, context in
                try open311Services(request, context: context, encoding: encoding)
            }
            router.get(RouterPath("/open311/v2/services/{service_code}.\(suffix)")) { request, context in
                try open311ServiceDefinition(request, context: context, encoding: encoding)
            }
            router.post(RouterPath("/open311/v2/requests.\(suffix)")) { request, context in
                try await open311Submit(request, context: context, encoding: encoding)
            }
            router.get(RouterPath("/open311/v2/requests.\(suffix)")) { request, context in
                try await open311Requests(request, context: context, encoding: encoding)
            }
            router.get(RouterPath("/open311/v2/requests/{service_request_id}.\(suffix)")) { request, context in
                try await open311Request(request, context: context, encoding: encoding)
            }
            router.get(RouterPath("/open311/v2/tokens/{token}.\(suffix)")) { request, context in
                try await open311Token(request, context: context, encoding: encoding)
            }
            router.get(RouterPath("/open311/v2/servicerequestupdates.\(suffix)")) { request, context in
                try await open311Updates(request, context: context, encoding: encoding)
            }
            router.post(RouterPath("/open311/v2/servicerequestupdates.\(suffix)")) { request, context in
                try await open311PostUpdate(request, context: context, encoding: encoding)
            }
        }
    }

    // MARK: Shared steps of the Open311 handlers

    /// The query string's parameters, after checking `jurisdiction_id` (this server answers for one).
    func open311Query(_ request: Request) throws(APIError) -> Open311Form {
        let query: Open311Form
        do {
            query = try Open311Form(parsing: Substring(request.uri.query ?? ""))
        } catch {
            throw error.apiError
        }
        try checkJurisdiction(query)
        return query
    }

    /// A POST's parameters: the form-encoded body, then the query string's parameters the body does not
    /// have (some clients send `api_key` or `jurisdiction_id` there).
    func open311PostForm(_ request: Request, body: ByteBuffer) throws(APIError) -> Open311Form {
        if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/x-www-form-urlencoded") {
            throw APIError(.badRequest, code: "unsupported-content-type", message: "send the request as application/x-www-form-urlencoded")
        }
        do throws(Open311FormError) {
            guard let text = String(validating: body.readableBytesView, as: UTF8.self) else {
                throw Open311FormError("the body is not UTF-8")
            }
            return try Open311Form(parsing: Substring(text)).merging(Open311Form(parsing: Substring(request.uri.query ?? "")))
        } catch {
            throw error.apiError
        }
    }

    /// The API key of a POST's `api_key`: 403 in the spec's words when it is missing or not valid.
    func open311Identity(_ form: Open311Form) async throws(APIError) -> APIKeyIdentity {
        let key = try Open311FormError.reading { try form.value("api_key") }
        do {
            return try await authenticate(key: key)
        } catch where error.code == "forbidden" {
            throw APIError(.forbidden, code: "forbidden", message: "api_key was not provided or is not valid")
        }
    }

    /// 404 for a `jurisdiction_id` that is not this server's (the spec's "jurisdiction_id not found");
    /// none, or an empty one, is fine: the spec makes it optional for a single-jurisdiction endpoint.
    func checkJurisdiction(_ form: Open311Form) throws(APIError) {
        let given: String?
        do {
            given = try form.value("jurisdiction_id")
        } catch {
            throw error.apiError
        }
        if let given, given.lowercased() != jurisdiction.lowercased() {
            throw APIError(.notFound, code: "unknown-jurisdiction", message: "jurisdiction_id was not found: this endpoint serves \(jurisdiction)")
        }
    }

    /// The language of names and notices: `?locale=` (also in a POST's body), else `Accept-Language`.
    func open311Language(_ request: Request, _ form: Open311Form) -> Open311Language {
        Open311Language(locale: try? form.value("locale"), acceptLanguage: request.headers[.acceptLanguage])
    }

    /// A path parameter, percent-decoded.
    static func pathParameter(_ name: String, _ context: IntakeRequestContext) -> String {
        let raw = context.parameters.get(name) ?? ""
        return raw.removingPercentEncoding ?? raw
    }
}
