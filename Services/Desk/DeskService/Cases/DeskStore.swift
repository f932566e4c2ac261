import Foundation
import Logging
import Persistence
import PostgresNIO

/// One unit's cases in its own schema `desk_<unit>` (cases, their history, the staff's requests, the
/// unreadable messages, and the persistence track's inbox and outbox). Every statement names the
/// unit's schema, so one unit's desk can never read or write another's: which store a page gets is the
/// whole of the separation.
struct DeskStore: Sendable {
    /// The unit (`parks`).
    let unit: String
    /// Its schema (`desk_parks`).
    let schema: String
    /// The database client the desk shares between its units.
    let client: PostgresClient
    /// The unit's inbox: each delivery and answer applied once.
    let inbox: Inbox
    /// The unit's outbox: its status updates, relayed as the unit's broker user.
    let outbox: Outbox
    /// How long one transaction may take before it is given up (and retried by the caller).
    let deadline: DatabaseDeadline
    let logger: Logger

    /// The inbox's consumer name.
    static let consumer = "desk"

    /// The store of `unit` (a code of the units file: lower-case letters, digits and dashes).
    init(unit: String, client: PostgresClient, deadline: DatabaseDeadline = DatabaseDeadline(timeout: .seconds(10)), logger: Logger) throws {
        self.unit = unit
        schema = Self.schema(forUnit: unit)
        self.client = client
        inbox = try Inbox(schema: schema)
        outbox = try Outbox(schema: schema)
        self.deadline = deadline
        var logger = logger
        logger[metadataKey: "unit"] = "\(unit)"
        self.logger = logger
    }

    /// The schema of `unit`'s desk: `desk_` and the code with dashes as underscores (`desk_social_affairs`).
    static func schema(forUnit unit: String) -> String {
        "desk_" + unit.replacingOccurrences(of: "-", with: "_")
    }

    /// `"desk_parks".table`, to splice into SQL: the schema is made from a unit code of the units file
    /// (checked by ``Inbox``'s identifier rules at init), the table a constant of this module.
    func table(_ name: String) -> String { "\"\(schema)\".\(name)" }
}
