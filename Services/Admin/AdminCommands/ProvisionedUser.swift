/// One user after provisioning: its new password when it got one (printed once, never stored), or nil
/// when it already had a password and kept it.
public struct ProvisionedUser: Sendable, Equatable {
    /// The user name (`unit-parks`).
    public var name: String
    /// The password set now, or nil when the existing one was kept.
    public var password: String?

    /// Creates a result.
    public init(name: String, password: String?) {
        self.name = name
        self.password = password
    }
}
