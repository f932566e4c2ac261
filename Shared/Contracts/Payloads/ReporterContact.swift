/// Personal data: how to reach a reporter. Never logged, never in public views.
public struct ReporterContact: Sendable, Hashable, Codable {
    /// The reporter's name.
    public var name: String?
    /// Mobile number in E.164 (`+989…`).
    public var phone: String?
    /// E-mail address.
    public var email: String?

    /// Creates contact details.
    public init(name: String? = nil, phone: String? = nil, email: String? = nil) {
        self.name = name
        self.phone = phone
        self.email = email
    }

    /// Whether nothing is set.
    public var isEmpty: Bool { name == nil && phone == nil && email == nil }
}
