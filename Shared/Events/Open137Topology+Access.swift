import Foundation

extension Open137Topology {
    /// The council's user name (reads `council.child-friendly`, may reopen: `council.status`).
    public static let councilUser = "council"

    /// The user name of a unit (`unit-parks`).
    public static func unitUserName(_ unit: String) -> String { "unit-\(unit)" }

    /// A unit's user: it may read only its own queue `unit.<unit>`, publish only to the unit-updates
    /// exchange and only with routing key `<unit>.status`, and declare nothing (the router declares its
    /// queue). So a unit can neither read another unit's reports nor speak for another unit.
    public static func unitUser(_ unit: String) -> BrokerUser {
        BrokerUser(
            name: unitUserName(unit), configure: "^$", write: "^\(escaped(unitUpdatesExchange))$",
            read: "^\(escaped(unitQueue(unit)))$",
            topicPermissions: [TopicPermission(exchange: unitUpdatesExchange, write: "^\(escaped(unit))\\.status$", read: "^$")])
    }

    /// Every unit's user and the council's. The reporter's reopenings (`reporter.status`) come from intake's
    /// own service account; no user here may publish that routing key.
    public static var brokerUsers: [BrokerUser] {
        unitCodes.map(unitUser) + [BrokerUser(
            name: councilUser, configure: "^$", write: "^\(escaped(unitUpdatesExchange))$", read: "^\(escaped(councilQueue))$",
            topicPermissions: [TopicPermission(exchange: unitUpdatesExchange, write: "^council\\.status$", read: "^$")])]
    }

    /// `name` with the dots of a regular expression escaped (unit codes are lower-case letters, digits and dashes).
    private static func escaped(_ name: String) -> String {
        name.replacingOccurrences(of: ".", with: "\\.")
    }
}
