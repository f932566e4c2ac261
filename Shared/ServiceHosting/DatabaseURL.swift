import Foundation
import PostgresNIO

/// A parsed PostgreSQL URL, `postgres://user:password@host:port/database?sslmode=…`, and the
/// postgres-nio client configuration it describes.
public struct DatabaseURL: Sendable, Hashable, CustomStringConvertible {
    /// How the connection uses TLS, after libpq's `sslmode`.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// No TLS (`sslmode=disable`; the default for a loopback host).
        case disable
        /// TLS if the server offers it, certificate not verified (`allow`, `prefer`; the default otherwise).
        case prefer
        /// TLS required, certificate not verified (`require`).
        case require
        /// TLS required, certificate chain verified but not the host name (`verify-ca`).
        case verifyCA = "verify-ca"
        /// TLS required, certificate and host name verified (`verify-full`).
        case verifyFull = "verify-full"
    }

    /// What a valid value looks like, for configuration problems.
    public static let expectation =
        "a postgres:// or postgresql:// URL like postgres://user:password@host:5432/database"
        + " (optional ?sslmode=disable|allow|prefer|require|verify-ca|verify-full)"

    /// The server's host name or address (IPv6 without brackets).
    public var host: String
    /// The server's port (5432 when the URL names none).
    public var port: Int
    /// The user name.
    public var username: String
    /// The password, percent-decoded; nil when the URL has none.
    public var password: String?
    /// The database name; nil when the URL has no path (the server then uses the user name).
    public var database: String?
    /// The TLS mode.
    public var tlsMode: TLSMode

    /// Parses `string`; nil when it is not a PostgreSQL URL with a host and a user, or has a bad port or an
    /// unknown `sslmode`.
    public init?(_ string: String) {
        guard let components = EnvironmentConfig.parseURL(string, schemes: ["postgres", "postgresql"]),
              var host = components.host,
              let user = components.user, !user.isEmpty
        else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let sslmode = components.queryItems?.last(where: { $0.name == "sslmode" })?.value?.lowercased()
        let tlsMode: TLSMode
        switch sslmode {
        case nil: tlsMode = Self.isLoopback(host) ? .disable : .prefer
        case "allow": tlsMode = .prefer
        case let mode?:
            guard let known = TLSMode(rawValue: mode) else { return nil }
            tlsMode = known
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = user
        self.password = components.password
        self.database = path.isEmpty ? nil : (path.removingPercentEncoding ?? path)
        self.tlsMode = tlsMode
    }

    /// The postgres-nio client configuration for this URL.
    public var clientConfiguration: PostgresClient.Configuration {
        PostgresClient.Configuration(
            host: host,
            port: port,
            username: username,
            password: password,
            database: database,
            tls: tls
        )
    }

    /// The postgres-nio TLS setting for `tlsMode`.
    public var tls: PostgresClient.Configuration.TLS {
        func client(_ verification: CertificateVerification) -> TLSConfiguration {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = verification
            return configuration
        }
        switch tlsMode {
        case .disable: return .disable
        case .prefer: return .prefer(client(.none))
        case .require: return .require(client(.none))
        case .verifyCA: return .require(client(.noHostnameVerification))
        case .verifyFull: return .require(client(.fullVerification))
        }
    }

    /// The URL without its password.
    public var description: String {
        let credentials = password == nil ? username : "\(username):\(Redaction.passwordPlaceholder)"
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(credentials)@\(hostPart):\(port)/\(database ?? "")?sslmode=\(tlsMode.rawValue)"
    }

    /// Whether `host` names this machine's loopback interface.
    static func isLoopback(_ host: String) -> Bool {
        let lower = host.lowercased()
        return lower == "localhost" || lower == "::1" || lower.hasPrefix("127.")
    }
}
