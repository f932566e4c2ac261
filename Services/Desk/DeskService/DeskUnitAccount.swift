import Foundation
import BrokerTopology

/// One unit the desk serves: its code and its broker user's password.
public struct DeskUnitAccount: Sendable, Hashable {
    /// The unit's code (`parks`).
    public var unit: String
    /// The password of the unit's broker user `unit-<unit>`; never logged.
    public var password: String

    /// Creates an account.
    public init(unit: String, password: String) {
        self.unit = unit
        self.password = password
    }

    /// The unit's broker user (`unit-parks`).
    public var userName: String { Open137Topology.unitUserName(unit) }

    /// `parks:<password>,traffic:<password>` as accounts; nil when a pair is malformed, a unit is unknown
    /// or named twice (the problem is reported without the value: it holds passwords).
    public static func parseList(_ text: String) -> [DeskUnitAccount]? {
        var accounts: [DeskUnitAccount] = []
        for pair in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, Open137Topology.unitCodes.contains(String(parts[0])), !parts[1].isEmpty,
                  !accounts.contains(where: { $0.unit == parts[0] })
            else { return nil }
            accounts.append(DeskUnitAccount(unit: String(parts[0]), password: String(parts[1])))
        }
        return accounts.isEmpty ? nil : accounts
    }
}
