import Crypto
import Foundation
import HummingbirdBcrypt
import Logging
import NIOPosix
import Persistence
import PostgresNIO

/// The staff accounts and their sessions in the database's `staff` schema. Every service that serves
/// staff pages (intake's call screen, the units' desk, the council's dashboard) verifies the session
/// cookie here, so one sign-in works on all of them and a sign-out or a disabled account ends it
/// everywhere at once.
///
/// Passwords are bcrypt hashes (cost `passwordCost`), checked on NIO's blocking thread pool — a hash
/// takes tens of milliseconds and must not hold an event loop. Session tokens are 32 random bytes; the
/// table keeps their SHA-256 only.
public struct StaffDirectory: Sendable {
    /// The schema the accounts live in.
    public static let schema = "staff"
    /// The NOLOGIN role that owns the schema (`open137 services provision`); the services with staff pages
    /// are its members, so each may migrate and use the schema and none owns it alone.
    public static let ownerRole = "open137_staff"
    /// The bundle with the schema's migrations.
    public static var migrationsBundle: Bundle { .module }
    /// The shortest password accepted.
    public static let minimumPasswordLength = 10
    /// bcrypt reads at most 72 bytes; a longer password would be silently cut.
    public static let maximumPasswordBytes = 72

    let client: PostgresClient
    let logger: Logger
    private let deadline = DatabaseDeadline(timeout: .seconds(5))
    /// How long a session lasts from sign-in.
    public let sessionLifetime: Duration
    /// bcrypt's cost (2^cost rounds).
    public let passwordCost: UInt8

    /// A directory over `client` (any search path: every statement names the `staff` schema).
    public init(client: PostgresClient, logger: Logger, sessionLifetime: Duration = .seconds(12 * 3_600), passwordCost: UInt8 = 11) {
        self.client = client
        self.logger = logger
        self.sessionLifetime = sessionLifetime
        self.passwordCost = passwordCost
    }

    // MARK: Accounts (open137 staff)

    /// Creates an account; the username is stored in lowercase.
    @discardableResult
    public func add(username: String, displayName: String, roles: [String], password: String) async throws(StaffAccountsError) -> StaffAccount {
        let username = try Self.checkedUsername(username)
        let displayName = displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !displayName.isEmpty, displayName.count <= 100 else {
            throw StaffAccountsError(.invalidDisplayName, "a display name of 1 to 100 characters")
        }
        let parsed = try Self.checkedRoles(roles)
        let hash = try await hashPassword(password)
        let account = StaffAccount(accountID: UUID(), username: username, displayName: displayName, roles: parsed)
        let stored = parsed.map(\.description)
        let inserted = try await bounded("adding a staff account") { [client, logger] in
            let rows = try await client.query(
                """
                INSERT INTO staff.accounts (account_id, username, display_name, roles, password_hash)
                VALUES (\(account.accountID), \(username), \(displayName), \(stored), \(hash))
                ON CONFLICT (username) DO NOTHING RETURNING 1
                """,
                logger: logger
            )
            var count = 0
            for try await _ in rows { count += 1 }
            return count
        }
        guard inserted == 1 else { throw StaffAccountsError(.usernameTaken, "an account named \(username) exists") }
        logger.info("staff account added", metadata: ["staff_account": "\(username)", "roles": "\(stored)"])
        return account
    }

    /// Every account, by username.
    public func list() async throws(StaffAccountsError) -> [StaffAccount] {
        try await bounded("listing staff accounts") { [client, logger] in
            let rows = try await client.query(
                """
                SELECT account_id, username, display_name, roles, disabled_at, locked_until
                FROM staff.accounts ORDER BY username
                """,
                logger: logger
            )
            var accounts: [StaffAccount] = []
            for try await (id, username, name, roles, disabledAt, lockedUntil) in rows.decode((UUID, String, String, [String], Date?, Date?).self) {
                accounts.append(StaffAccount(
                    accountID: id, username: username, displayName: name, roles: roles.compactMap(StaffRole.init),
                    disabledAt: disabledAt, lockedUntil: lockedUntil
                ))
            }
            return accounts
        }
    }

    /// Disables an account and ends its sessions.
    public func disable(username: String) async throws(StaffAccountsError) {
        let username = username.lowercased()
        try await changeEndingSessions("disabling a staff account", username: username, """
            UPDATE staff.accounts SET disabled_at = coalesce(disabled_at, now()) WHERE username = \(username) RETURNING account_id
            """)
        logger.notice("staff account disabled", metadata: ["staff_account": "\(username)"])
    }

    /// Sets a new password: ends the account's sessions and lifts a lock (an admin's reset).
    public func setPassword(username: String, password: String) async throws(StaffAccountsError) {
        let username = username.lowercased()
        let hash = try await hashPassword(password)
        try await changeEndingSessions("changing a staff password", username: username, """
            UPDATE staff.accounts SET password_hash = \(hash), password_changed_at = now(), failed_attempts = 0, locked_until = NULL
            WHERE username = \(username) RETURNING account_id
            """)
        logger.notice("staff password changed", metadata: ["staff_account": "\(username)"])
    }

    /// Runs `update` (an `UPDATE … RETURNING account_id` of one account) and ends that account's sessions
    /// in the same statement; `unknownAccount` when it changed none.
    private func changeEndingSessions(_ what: String, username: String, _ update: PostgresQuery) async throws(StaffAccountsError) {
        var statement = PostgresQuery(unsafeSQL: "WITH changed AS (\(update.sql)), ended AS (DELETE FROM staff.sessions WHERE account_id IN (SELECT account_id FROM changed)) SELECT count(*) FROM changed")
        statement.binds = update.binds
        let changed = try await bounded(what) { [client, logger, statement] in
            let rows = try await client.query(statement, logger: logger)
            var count = 0
            for try await value in rows.decode(Int.self) { count = value }
            return count
        }
        guard changed == 1 else { throw StaffAccountsError(.unknownAccount, "no account is named \(username)") }
    }

    // MARK: Checks

    /// The username in lowercase, or `invalidUsername`.
    public static func checkedUsername(_ text: String) throws(StaffAccountsError) -> String {
        let username = text.lowercased()
        guard (2...64).contains(username.count),
              username.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || ".-_".unicodeScalars.contains($0) })
        else { throw StaffAccountsError(.invalidUsername, "a username is 2 to 64 of a-z, 0-9, '.', '_' and '-'") }
        return username
    }

    /// The roles parsed, or `invalidRole`.
    public static func checkedRoles(_ texts: [String]) throws(StaffAccountsError) -> [StaffRole] {
        guard !texts.isEmpty else { throw StaffAccountsError(.invalidRole, "give at least one role: operator, unit:<code>, council or admin") }
        var roles: [StaffRole] = []
        for text in texts {
            guard let role = StaffRole(text) else {
                throw StaffAccountsError(.invalidRole, "\(text) is not a role: operator, unit:<code>, council or admin")
            }
            if !roles.contains(role) { roles.append(role) }
        }
        return roles
    }

    /// The bcrypt hash of an acceptable password, computed off the event loops.
    func hashPassword(_ password: String) async throws(StaffAccountsError) -> String {
        guard password.count >= Self.minimumPasswordLength, password.utf8.count <= Self.maximumPasswordBytes else {
            throw StaffAccountsError(.weakPassword, "a password has \(Self.minimumPasswordLength) characters or more (at most \(Self.maximumPasswordBytes) bytes)")
        }
        let cost = passwordCost
        do {
            return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
        } catch {
            throw StaffAccountsError(.databaseUnavailable, "the password could not be hashed")
        }
    }

    /// Runs a statement within the deadline; every failure is `databaseUnavailable` (no SQL or value in the message).
    func bounded<T: Sendable>(_ what: String, _ operation: @escaping @Sendable () async throws -> T) async throws(StaffAccountsError) -> T {
        do {
            return try await deadline.run(what, operation)
        } catch let error as StaffAccountsError {
            throw error
        } catch {
            // The SQLSTATE, never the statement or its values (a password hash or token could be among them).
            let state = (error as? PSQLError)?.serverInfo?[.sqlState] ?? "\(type(of: error))"
            logger.warning("staff accounts: database failed", metadata: ["operation": "\(what)", "sqlstate": "\(state)"])
            throw StaffAccountsError(.databaseUnavailable, "\(what): the database did not answer")
        }
    }

    /// The SHA-256 of a session token: what the table keeps.
    static func tokenHash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }

    /// A random token of 32 bytes, base64url without padding (cookie-safe): session tokens, CSRF tokens.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
