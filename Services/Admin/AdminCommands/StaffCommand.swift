import ArgumentParser
import Foundation
import Persistence
import PostgresNIO
import ServiceHosting
import StaffAccounts

/// `open137 staff add|list|disable|passwd`: the staff accounts that sign in to intake's call screen, the
/// units' desk and the council's dashboard. Passwords are read from standard input (never an argument:
/// arguments show in `ps` and shell history) and stored as bcrypt hashes.
public struct StaffCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "staff",
        abstract: "Manage staff accounts (operator, unit:<code>, council, admin; reads DATABASE_URL).",
        subcommands: [Add.self, List.self, Disable.self, Passwd.self]
    )
    public init() {}

    /// `open137 staff add NAME --display-name "…" --role operator [--role …]`; the password from stdin.
    public struct Add: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Create an account; its password is read from standard input (one line)."
        )
        @Argument(help: "The sign-in name: 2 to 64 of a-z, 0-9, '.', '_' and '-'.")
        var username: String
        @Option(help: "The name shown on the pages.")
        var displayName: String
        @Option(name: .customLong("role"), help: "operator, unit:<code>, council or admin (repeat for several).")
        var roles: [String]
        public init() {}

        public func run() async throws {
            let password = try StaffCommand.readPassword()
            let (username, displayName, roles) = (username, displayName, roles)
            try await StaffCommand.withDirectory { directory in
                let account = try await directory.add(username: username, displayName: displayName, roles: roles, password: password)
                print("added \(account.username) (\(account.roles.map(\.description).joined(separator: ", ")))")
            }
        }
    }

    /// `open137 staff list`.
    public struct List: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "List the accounts (never a password).")
        public init() {}

        public func run() async throws {
            try await StaffCommand.withDirectory { directory in
                for account in try await directory.list() {
                    var state = account.disabledAt == nil ? "active" : "disabled"
                    if account.disabledAt == nil, let locked = account.lockedUntil, locked > Date() { state = "locked" }
                    print([account.username, state, account.roles.map(\.description).joined(separator: ","), account.displayName].joined(separator: "\t"))
                }
            }
        }
    }

    /// `open137 staff disable NAME`.
    public struct Disable: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "Disable an account and end its sessions.")
        @Argument var username: String
        public init() {}

        public func run() async throws {
            let username = username
            try await StaffCommand.withDirectory { directory in
                try await directory.disable(username: username)
                print("disabled \(username.lowercased())")
            }
        }
    }

    /// `open137 staff passwd NAME`; the new password from stdin.
    public struct Passwd: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Set a new password (read from standard input); ends the account's sessions and lifts a lock."
        )
        @Argument var username: String
        public init() {}

        public func run() async throws {
            let password = try StaffCommand.readPassword()
            let username = username
            try await StaffCommand.withDirectory { directory in
                try await directory.setPassword(username: username, password: password)
                print("password changed for \(username.lowercased())")
            }
        }
    }

    /// One line of standard input, without its line end.
    static func readPassword() throws -> String {
        if isatty(STDIN_FILENO) != 0 {
            FileHandle.standardError.write(Data("password (input is shown; pipe it in to hide it): ".utf8))
        }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw ValidationError("give the password on standard input, e.g. printf '%s\\n' \"$PASSWORD\" | open137 staff add …")
        }
        return line
    }

    /// Runs `body` with a directory over DATABASE_URL, the staff schema migrated first (idempotent).
    static func withDirectory(_ body: @escaping @Sendable (StaffDirectory) async throws -> Void) async throws {
        var environment = EnvironmentConfig()
        let database = environment.databaseURL(ServiceConfiguration.databaseURLKey)
        try environment.validate()
        let logger = ToolLogging.logger("staff")
        let client = PostgresClient(configuration: database.clientConfiguration, backgroundLogger: logger)
        do {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                try await Migrator(client: client, logger: logger).migrate(schema: StaffDirectory.schema, bundle: StaffDirectory.migrationsBundle)
                try await body(StaffDirectory(client: client, logger: logger))
            }
        } catch let error as StaffAccountsError {
            throw ValidationError(error.message)
        }
    }
}
