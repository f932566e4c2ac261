import Contracts
import Crypto
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceHosting
import Synchronization

/// The channels' API keys, stored as SHA-256 hashes in `intake.api_keys` (a key is shown once, when it
/// is created). Lookups are cached for a minute, so a busy channel does not cost a query per request;
/// a revoked key stops working within that minute.
public final class APIKeyStore: Sendable {
    private let client: PostgresClient
    private let logger: Logger
    private let cache = Mutex<[Data: CachedLookup]>([:])
    private let cacheLifetime: Duration
    private let developmentKeyHash: Data?
    private let deadline = DatabaseDeadline(timeout: .seconds(5))

    /// The id of the development key (`OPEN137_API_KEY`), valid for every channel.
    public static let developmentKeyID = "dev"

    private struct CachedLookup {
        var identity: APIKeyIdentity?
        var expires: ContinuousClock.Instant
    }

    /// A store over intake's database. The development key, when given, is held only as its hash and is
    /// valid for every channel; production channels get their own keys from `open137 keys create`.
    public init(client: PostgresClient, logger: Logger, developmentKey: String? = nil, cacheLifetime: Duration = .seconds(60)) {
        self.client = client
        self.logger = logger
        self.cacheLifetime = cacheLifetime
        self.developmentKeyHash = developmentKey.map { Data(Self.hash($0)) }
    }

    /// Creates a key for `channel` and returns it; only its hash is stored.
    public func create(channel: String) async throws -> String {
        let keyID = Self.randomHex(bytes: 4)
        let key = "o137_\(keyID)_\(Self.randomHex(bytes: 24))"
        try await register(key: key, channel: channel)
        return key
    }

    /// Registers a key given from outside (the development key of `.local/stack.env`); idempotent.
    public func register(key: String, channel: String) async throws {
        let hash = ByteBuffer(bytes: Self.hash(key))
        let keyID = Self.keyID(of: key)
        try await client.query(
            """
            INSERT INTO api_keys (key_id, key_hash, channel) VALUES (\(keyID), \(hash), \(channel))
            ON CONFLICT (key_hash) DO UPDATE SET channel = EXCLUDED.channel, revoked_at = NULL
            """,
            logger: logger
        )
    }

    /// The identity of a key, or nil when it is unknown or revoked.
    public func identity(of key: String) async throws -> APIKeyIdentity? {
        let hash = Data(Self.hash(key))
        if hash == developmentKeyHash { return APIKeyIdentity(keyID: Self.developmentKeyID, channel: "*") }
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0[hash] }), cached.expires > now {
            return cached.identity
        }
        let identity = try await deadline.run("looking up an API key") { [client, logger] in
            let rows = try await client.query(
                "SELECT key_id, channel FROM api_keys WHERE key_hash = \(ByteBuffer(bytes: hash)) AND revoked_at IS NULL",
                logger: logger
            )
            var found: APIKeyIdentity?
            for try await (keyID, channel) in rows.decode((String, String).self) {
                found = APIKeyIdentity(keyID: keyID, channel: channel)
            }
            return found
        }
        // Unknown keys are cached briefly too, so guessing keys does not turn into a query per request.
        let lifetime = identity == nil ? min(cacheLifetime, .seconds(5)) : cacheLifetime
        cache.withLock { entries in
            if entries.count > 10_000 { entries.removeAll(keepingCapacity: true) }
            entries[hash] = CachedLookup(identity: identity, expires: now + lifetime)
        }
        return identity
    }

    /// SHA-256 of the key's UTF-8 bytes.
    static func hash(_ key: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(key.utf8)))
    }

    /// The public id of a key: the middle of `o137_<id>_<secret>`, or a hash prefix for other shapes.
    static func keyID(of key: String) -> String {
        let parts = key.split(separator: "_")
        if parts.count == 3, parts[0] == "o137" { return String(parts[1]) }
        return "h" + Hex.lowercase(hash(key).prefix(4))
    }

    private static func randomHex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.lowercase((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
