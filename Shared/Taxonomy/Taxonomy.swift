import Foundation
import Yams

/// Every service code a report can have, with names, keywords, default unit and deadlines — read from
/// `taxonomy.yaml`, the one file intake (Open311 services), the classifier and the router share.
public struct Taxonomy: Sendable, Equatable {
    /// The groups services belong to, in the file's order (`child-friendly` first).
    public let groups: [ServiceGroupDefinition]
    /// The services in the file's order.
    public let services: [ServiceDefinition]
    private let byCode: [String: Int]

    /// Builds a taxonomy from its parts, checking that codes are unique and every group exists.
    public init(groups: [ServiceGroupDefinition], services: [ServiceDefinition]) throws(TaxonomyError) {
        var byCode: [String: Int] = [:]
        let groupCodes = Set(groups.map(\.code))
        for (index, service) in services.enumerated() {
            guard byCode.updateValue(index, forKey: service.code) == nil else {
                throw TaxonomyError(code: .duplicateServiceCode, message: "service code \(service.code) appears twice")
            }
            guard groupCodes.contains(service.group) else {
                throw TaxonomyError(code: .unknownGroup, message: "service \(service.code) names unknown group \(service.group)")
            }
        }
        guard byCode[Self.fallbackCode] != nil else {
            throw TaxonomyError(code: .missingFallback, message: "the taxonomy has no \(Self.fallbackCode) service")
        }
        self.groups = groups
        self.services = services
        self.byCode = byCode
    }

    /// The code a report gets when nothing else fits (a person triages it).
    public static let fallbackCode = "OTHER"
    /// The group of the child-friendly city codes.
    public static let childFriendlyGroup = "child-friendly"

    /// The service with this code, if the taxonomy has one.
    public func service(_ code: String) -> ServiceDefinition? {
        byCode[code].map { services[$0] }
    }

    /// The radius of a service without `duplicate_radius_m`: about a city block.
    public static let defaultDuplicateRadiusMetres = 100.0
    /// How far back an open report still counts as the same hazard (the nearby search, the duplicate matcher).
    public static let duplicateWindowDays = 30

    /// The codes whose open reports may be the same hazard as one of `code`: the code itself, or every code
    /// of the child-friendly group for one of them (a broken swing reported as "other child hazard" is the
    /// same swing). Empty for an unknown code.
    public func duplicateCodes(for code: String) -> [String] {
        guard let service = service(code) else { return [] }
        return service.isChildFriendly ? childFriendlyServices.map(\.code) : [code]
    }

    /// The child-friendly city services (the `CFC-*` codes).
    public var childFriendlyServices: [ServiceDefinition] {
        services.filter(\.isChildFriendly)
    }
}

extension Taxonomy {
    /// The taxonomy shipped with Open137 (`Resources/taxonomy.yaml`).
    public static func bundled() throws(TaxonomyError) -> Taxonomy {
        guard let url = Bundle.module.url(forResource: "taxonomy", withExtension: "yaml") else {
            throw TaxonomyError(code: .unreadable, message: "taxonomy.yaml is missing from the bundle")
        }
        return try load(from: url)
    }

    /// Reads a taxonomy file (an operator's own, or the bundled one).
    public static func load(from url: URL) throws(TaxonomyError) -> Taxonomy {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw TaxonomyError(code: .unreadable, message: "cannot read \(url.lastPathComponent)")
        }
        return try parse(yaml: text)
    }

    /// Parses the YAML text of a taxonomy file.
    public static func parse(yaml: String) throws(TaxonomyError) -> Taxonomy {
        let file: TaxonomyFile
        do {
            file = try YAMLDecoder().decode(TaxonomyFile.self, from: yaml)
        } catch {
            throw TaxonomyError(code: .malformed, message: "taxonomy file does not decode: \(error)")
        }
        return try Taxonomy(groups: file.groups, services: file.services)
    }
}

/// The file's shape; kept private so the public types can validate what they hold.
private struct TaxonomyFile: Decodable {
    var version: Int
    var groups: [ServiceGroupDefinition]
    var services: [ServiceDefinition]
}
