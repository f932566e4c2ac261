import Foundation
import HummingbirdBcrypt
import NIOPosix
import PostgresNIO

extension StaffDirectory {
    /// A bcrypt hash of a password nobody has, checked when the username is unknown so that an unknown
    /// name takes as long as a wrong password (the timing must not tell which names exist).
    private static let decoyHash = Bcrypt.hash("open137-decoy-password", cost: 11)

    /// Checks a username and password. Wrong passwords count against the account
    /// (``SignInThrottle``); while it is locked, no password is checked at all.
    public func signIn(username: String, password: String) async throws(StaffAccountsError) -> SignInOutcome {
        let username = username.lowercased()
        let account = try await bounded("reading a staff account") { [client, logger] () -> (StaffAccount, String, Int)? in
            let rows = try await client.query(
                """
                SELECT account_id, username, display_name, roles, password_hash, failed_attempts, disabled_at, locked_until
                FROM staff.accounts WHERE username = \(username)
                """,
                logger: logger
            )
            for try await (id, name, display, roles, hash, failures, disabledAt, lockedUntil)
                in rows.decode((UUID, String, String, [String], String, Int32, Date?, Date?).self) {
                let account = StaffAccount(
                    accountID: id, username: name, displayName: display, roles: roles.compactMap(StaffRole.init),
                    disabledAt: disabledAt, lockedUntil: lockedUntil
                )
                return (account, hash, Int(failures))
            }
            return nil
        }
        guard let (account, hash, _) = account, account.disabledAt == nil else {
            _ = await verify(password, hash: Self.decoyHash)
            return .refused
        }
        if let lockedUntil = account.lockedUntil, lockedUntil > Date() {
            return .locked(retryAfterSeconds: max(1, Int(lockedUntil.timeIntervalSinceNow.rounded(FloatingPointRoundingRule.up))))
        }
        guard await verify(password, hash: hash) else {
            let lock = try await recordFailure(account.accountID)
            logger.notice("staff sign-in refused: wrong password", metadata: ["staff_account": "\(account.username)"])
            return lock > 0 ? .locked(retryAfterSeconds: lock) : .refused
        }
        let token = Self.randomToken()
        let csrf = Self.randomToken()
        let tokenHash = Self.tokenHash(token)
        let lifetime = Double(sessionLifetime.components.seconds)
        try await bounded("starting a staff session") { [client, logger] in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query(
                    "UPDATE staff.accounts SET failed_attempts = 0, locked_until = NULL WHERE account_id = \(account.accountID)",
                    logger: logger
                )
                try await connection.query(
                    """
                    INSERT INTO staff.sessions (token_hash, account_id, csrf_token, expires_at)
                    VALUES (\(tokenHash), \(account.accountID), \(csrf), now() + make_interval(secs => \(lifetime)))
                    """,
                    logger: logger
                )
                // Expired sessions go when someone signs in: no background job for a small table.
                try await connection.query("DELETE FROM staff.sessions WHERE expires_at < now() - interval '1 day'", logger: logger)
            }
        }
        logger.info("staff signed in", metadata: ["staff_account": "\(account.username)"])
        var signedIn = account
        signedIn.lockedUntil = nil
        return .signedIn(StaffSession(account: signedIn, csrfToken: csrf), token: token)
    }

    /// The session of a cookie's token: nil when unknown, expired, or the account is disabled.
    public func session(token: String) async throws(StaffAccountsError) -> StaffSession? {
        guard !token.isEmpty, token.utf8.count <= 128 else { return nil }
        let tokenHash = Self.tokenHash(token)
        return try await bounded("reading a staff session") { [client, logger] in
            let rows = try await client.query(
                """
                SELECT a.account_id, a.username, a.display_name, a.roles, s.csrf_token
                FROM staff.sessions s JOIN staff.accounts a USING (account_id)
                WHERE s.token_hash = \(tokenHash) AND s.expires_at > now() AND a.disabled_at IS NULL
                """,
                logger: logger
            )
            for try await (id, username, display, roles, csrf) in rows.decode((UUID, String, String, [String], String).self) {
                let account = StaffAccount(accountID: id, username: username, displayName: display, roles: roles.compactMap(StaffRole.init))
                return StaffSession(account: account, csrfToken: csrf)
            }
            return nil
        }
    }

    /// Ends the session of a cookie's token (nothing happens for an unknown token).
    public func signOut(token: String) async throws(StaffAccountsError) {
        let tokenHash = Self.tokenHash(token)
        try await bounded("ending a staff session") { [client, logger] in
            try await client.query("DELETE FROM staff.sessions WHERE token_hash = \(tokenHash)", logger: logger)
        }
    }

    /// Counts a wrong password and returns the lock it earned, in seconds (0: none yet).
    private func recordFailure(_ accountID: UUID) async throws(StaffAccountsError) -> Int {
        try await bounded("counting a wrong password") { [client, logger] in
            let rows = try await client.query(
                "UPDATE staff.accounts SET failed_attempts = failed_attempts + 1 WHERE account_id = \(accountID) RETURNING failed_attempts",
                logger: logger
            )
            var failures = 0
            for try await count in rows.decode(Int32.self) { failures = Int(count) }
            let lock = SignInThrottle.lockSeconds(afterFailures: failures)
            if lock > 0 {
                try await client.query(
                    "UPDATE staff.accounts SET locked_until = now() + make_interval(secs => \(Double(lock))) WHERE account_id = \(accountID)",
                    logger: logger
                )
            }
            return lock
        }
    }

    /// bcrypt's verdict, computed off the event loops (false when the pool is shutting down).
    private func verify(_ password: String, hash: String) async -> Bool {
        (try? await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }) ?? false
    }
}
