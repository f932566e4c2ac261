import BrokerTopology
import ServiceHosting

/// The desk's own configuration: its web address and port, the units it serves with their broker
/// passwords, and whether its cookies get `Secure`.
///
/// The broker's address comes from `AMQP_URL` like every service's; the user and password in it are not
/// used — the desk logs in to RabbitMQ only as each unit's own user (`open137 units provision`), exactly as
/// a department's own software would, so it can do nothing a unit could not.
public struct DeskSettings: ServiceSettings {
    /// The key of the web desk's port, default 8139.
    public static let portKey = "DESK_PORT"
    /// The key of the address the web desk listens on, default 127.0.0.1 (0.0.0.0 in containers).
    public static let hostKey = "DESK_HOST"
    /// The key of the units served: `parks:<password>,traffic:<password>` (each unit's broker user
    /// `unit-<unit>` and its password).
    public static let unitsKey = "DESK_UNITS"
    /// The key of the flag that marks cookies `Secure` (`OPEN137_COOKIE_SECURE`, as intake and council-audit read it).
    public static let cookieSecureKey = "OPEN137_COOKIE_SECURE"

    /// The web desk's port.
    public var port: Int
    /// The web desk's address.
    public var host: String
    /// The units served, in the order given; never logged (they hold passwords).
    public var units: [DeskUnitAccount]
    /// Whether the desk's cookies (staff session, language) get `Secure`.
    public var secureCookies: Bool

    public init(reading environment: inout EnvironmentConfig) {
        port = environment.port(Self.portKey, default: 8139)
        host = environment.optional(Self.hostKey, default: "127.0.0.1")
        let expected = "unit:password pairs separated by commas, each unit one of \(Open137Topology.unitCodes.joined(separator: ", ")), each once"
        let text = environment.required(Self.unitsKey, expected: expected)
        units = DeskUnitAccount.parseList(text) ?? []
        if !text.isEmpty, units.isEmpty { environment.problem(Self.unitsKey, expected: expected) }
        secureCookies = environment.bool(Self.cookieSecureKey, default: false)
    }
}
