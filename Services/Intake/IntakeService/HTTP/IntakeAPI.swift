import WebAPI
import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import ReporterSecret
import Taxonomy

/// Intake's HTTP API — the native JSON API and Open311 GeoReport v2 — over the report store: what the
/// route handlers share (validation, keys, rate limits, the taxonomy).
public struct IntakeAPI: Sendable {
    /// Checks submissions.
    public let validator: SubmissionValidator
    /// Reports and the read model.
    public let store: ReportStore
    /// Group commit for reports without an Idempotency-Key.
    public let writer: ReportBatchWriter
    /// API keys.
    public let keys: APIKeyStore
    /// Limits per API key.
    public let keyLimiter: RateLimiter
    /// Limits per client address.
    public let addressLimiter: RateLimiter
    /// Limits the public reopen per client address (far below `addressLimiter`: each try is a guess at a secret).
    public let reopenLimiter: RateLimiter
    /// The reporters' reopen secrets (given with the tracking code, asked for by the public reopen).
    public let reopenSecret: ReopenSecret
    /// Whether the development key may act as any unit or the council (off unless configured).
    public let developmentKeyActsForUnits: Bool
    /// The service codes.
    public var taxonomy: Taxonomy { validator.taxonomy }
    /// The largest body accepted.
    public let maxBodyBytes: Int
    /// The Open311 jurisdiction this server answers for.
    public let jurisdiction: String
    /// The request logger's parent.
    public let logger: Logger

    /// Creates the API.
    public init(
        validator: SubmissionValidator, store: ReportStore, writer: ReportBatchWriter, keys: APIKeyStore, keyLimiter: RateLimiter,
        addressLimiter: RateLimiter, reopenSecret: ReopenSecret, reopenLimiter: RateLimiter = RateLimiter(rate: IntakeAPI.reopensPerMinute / 60, burst: IntakeAPI.reopensPerMinute),
        developmentKeyActsForUnits: Bool = false, maxBodyBytes: Int,
        jurisdiction: String, logger: Logger
    ) {
        self.validator = validator
        self.store = store
        self.writer = writer
        self.keys = keys
        self.keyLimiter = keyLimiter
        self.addressLimiter = addressLimiter
        self.reopenSecret = reopenSecret
        self.reopenLimiter = reopenLimiter
        self.developmentKeyActsForUnits = developmentKeyActsForUnits
        self.maxBodyBytes = maxBodyBytes
        self.jurisdiction = jurisdiction
        self.logger = logger
    }

    /// The router with every route of the API.
    public func makeRouter() -> Router<IntakeRequestContext> {
        let router = Router(context: IntakeRequestContext.self)
        router.add(middleware: APIErrorMiddleware(translate: APIError.intake, render: APIError.intakeResponse))
        addNativeRoutes(to: router)
        addStatusRoutes(to: router)
        addOpen311Routes(to: router)
        return router
    }

    /// Public reopen requests a client address may make a minute by default (in bursts of as many).
    public static let reopensPerMinute: Double = 10

    // MARK: Shared steps of the handlers

    /// Fails with 429 when the client's address is over its limit.
    func limitAddress(_ context: IntakeRequestContext) throws(APIError) {
        if let wait = addressLimiter.acquire(context.clientAddress) { throw .rateLimited(retryAfter: wait) }
    }

    /// The identity of the key, or 403; then the key's rate limit (429).
    func authenticate(key: String?) async throws(APIError) -> APIKeyIdentity {
        guard let key, !key.isEmpty, key.utf8.count <= 256 else { throw .forbidden }
        let identity: APIKeyIdentity?
        do {
            identity = try await keys.identity(of: key)
        } catch {
            throw .unavailable
        }
        guard let identity else { throw .forbidden }
        if let wait = keyLimiter.acquire("key:" + identity.keyID) { throw .rateLimited(retryAfter: wait) }
        return identity
    }

    /// The `Authorization: Bearer KEY` of a request.
    static func bearerKey(_ request: Request) -> String? {
        guard let value = request.headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }

    /// The body, at most `maxBodyBytes` (else 413 — refused by its Content-Length before reading it when it has one).
    func collectBody(_ request: Request) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw APIError.bodyTooLarge
        }
        var request = request
        do {
            return try await request.collectBody(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIError.bodyTooLarge
        }
    }

    /// Stores a validated report for a key: the channel must be the key's, an Idempotency-Key is scoped to the key.
    func store(_ draft: ReportDraft, for identity: APIKeyIdentity, idempotencyKey: String?, body: ByteBuffer) async throws -> AcceptedReport {
        guard identity.mayUse(channel: draft.channel) else {
            throw APIError(.forbidden, code: "channel-not-allowed", message: "this API key may not submit for channel \(draft.channel)")
        }
        var claim: IdempotencyClaim?
        if let idempotencyKey {
            guard !idempotencyKey.isEmpty, idempotencyKey.utf8.count <= 255 else {
                throw APIError(.badRequest, code: "invalid-idempotency-key", message: "Idempotency-Key must be 1 to 255 characters")
            }
            claim = IdempotencyClaim(scope: identity.keyID, key: idempotencyKey, requestHash: Array(SHA256.hash(data: Data(buffer: body))))
        }
        return try await writer.write(draft, idempotency: claim)
    }
}
