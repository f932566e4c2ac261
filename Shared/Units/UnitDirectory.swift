import Foundation
import Taxonomy
import Yams

/// The units file (`Shared/Units/Data/units.yaml`): every unit and the unit of every service code, checked
/// against the taxonomy so that no code is left without a unit and no code has two. The router routes by it;
/// the notifier names units in messages with it.
public struct UnitDirectory: Sendable, Equatable {
    /// The units, in the file's order.
    public let units: [RouterUnit]
    private let unitByCode: [String: String]
    private let known: Set<String>

    /// The unit of reports nobody owns and of reports the classifier flagged for triage.
    public static let triageUnit = "triage"
    /// Who may reopen a resolved report (its status updates come with routing key `council.status`).
    public static let councilUnit = "council"
    /// The reporter, as intake speaks for them (routing key `reporter.status`): may only reopen a resolved report.
    public static let reporterParty = "reporter"
    /// Who may reopen a resolved report; neither is a unit, so no units file may use these codes.
    public static let reopeners: Set<String> = [councilUnit, reporterParty]

    /// Builds a directory, checking that unit codes are unique and plain, that `triage` exists, and that every
    /// taxonomy code is handled by exactly one unit.
    public init(units: [RouterUnit], taxonomy: Taxonomy) throws(UnitsError) {
        var unitByCode: [String: String] = [:]
        var known: Set<String> = []
        for unit in units {
            guard unit.code.range(of: "^[a-z][a-z0-9-]*$", options: .regularExpression) != nil, !Self.reopeners.contains(unit.code) else {
                throw UnitsError(code: .inconsistentUnits, message: "unit code \(unit.code) is not a plain lower-case code (or is reserved)")
            }
            guard known.insert(unit.code).inserted else {
                throw UnitsError(code: .inconsistentUnits, message: "unit \(unit.code) appears twice")
            }
            for code in unit.serviceCodes {
                guard taxonomy.service(code) != nil else {
                    throw UnitsError(code: .inconsistentUnits, message: "unit \(unit.code) names unknown service code \(code)")
                }
                if let other = unitByCode.updateValue(unit.code, forKey: code) {
                    throw UnitsError(code: .inconsistentUnits, message: "service code \(code) is handled by both \(other) and \(unit.code)")
                }
            }
        }
        guard known.contains(Self.triageUnit) else {
            throw UnitsError(code: .inconsistentUnits, message: "the units file has no \(Self.triageUnit) unit")
        }
        if let missing = taxonomy.services.first(where: { unitByCode[$0.code] == nil }) {
            throw UnitsError(code: .inconsistentUnits, message: "service code \(missing.code) has no unit")
        }
        self.units = units
        self.unitByCode = unitByCode
        self.known = known
    }

    /// The unit that handles `serviceCode`, or `triage` for a code the file does not know.
    public func unit(for serviceCode: String) -> String {
        unitByCode[serviceCode] ?? Self.triageUnit
    }

    /// Whether `code` is a unit of the file.
    public func contains(_ code: String) -> Bool { known.contains(code) }

    /// The unit with this code.
    public func unit(named code: String) -> RouterUnit? { units.first { $0.code == code } }
}

extension UnitDirectory {
    /// The units file shipped with this target, over the bundled taxonomy.
    public static func bundled(taxonomy: Taxonomy) throws(UnitsError) -> UnitDirectory {
        guard let url = Bundle.module.url(forResource: "units", withExtension: "yaml") else {
            throw UnitsError(code: .unreadable, message: "units.yaml is missing from the Units bundle")
        }
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw UnitsError(code: .unreadable, message: "cannot read units.yaml")
        }
        return try parse(yaml: text, taxonomy: taxonomy)
    }

    /// Parses the YAML text of a units file.
    public static func parse(yaml: String, taxonomy: Taxonomy) throws(UnitsError) -> UnitDirectory {
        struct File: Decodable {
            var version: Int
            var units: [RouterUnit]
        }
        let file: File
        do {
            file = try YAMLDecoder().decode(File.self, from: yaml)
        } catch {
            throw UnitsError(code: .malformed, message: "units file does not decode: \(error)")
        }
        return try UnitDirectory(units: file.units, taxonomy: taxonomy)
    }
}
