import Foundation

/// A staff member's account as the pages and `open137 staff list` see it (never the password hash).
public struct StaffAccount: Sendable, Hashable {
    /// The account's id.
    public var accountID: UUID
    /// The sign-in name: 2–64 of `a-z 0-9 . _ -`, stored in lowercase.
    public var username: String
    /// The name shown on the pages.
    public var displayName: String
    /// What the account may do.
    public var roles: [StaffRole]
    /// When it was disabled (a disabled account cannot sign in and its sessions are gone).
    public var disabledAt: Date?
    /// Until when wrong passwords keep it locked.
    public var lockedUntil: Date?

    /// Creates an account value.
    public init(accountID: UUID, username: String, displayName: String, roles: [StaffRole], disabledAt: Date? = nil, lockedUntil: Date? = nil) {
        self.accountID = accountID
        self.username = username
        self.displayName = displayName
        self.roles = roles
        self.disabledAt = disabledAt
        self.lockedUntil = lockedUntil
    }

    /// Whether the account has `role`.
    public func has(_ role: StaffRole) -> Bool { roles.contains(role) }

    /// The units whose cases the account may work.
    public var units: [String] {
        roles.compactMap { if case .unit(let code) = $0 { code } else { nil } }
    }
}
