import Foundation
import Taxonomy

/// Decides whether a new report is the same hazard as an earlier open one (issue 20, "Duplicates and repeat
/// hazards"): the same service code, or both of the child-friendly group; within the earlier code's
/// `duplicate_radius_m` (points), or the same district and place key (addresses); within
/// ``Taxonomy/duplicateWindowDays``; and descriptions at least ``threshold`` alike
/// (``DescriptionSimilarity``). Pure: whether the earlier report is still open is the caller's to know.
/// The router links with it (`DuplicateCaseFinder`); `open137 classify --duplicates-eval` measures it.
public struct DuplicateMatcher: Sendable {
    /// The similarity at or above which descriptions agree, measured on the generated set (README).
    public static let defaultThreshold = 0.30

    /// Radii and groups.
    public let taxonomy: Taxonomy
    /// How descriptions are compared.
    public let similarity: DescriptionSimilarity
    /// The least similarity that counts as the same hazard.
    public let threshold: Double
    /// How far apart in time (seconds) two reports may be.
    public let window: TimeInterval

    /// A matcher over `taxonomy`.
    public init(taxonomy: Taxonomy, similarity: DescriptionSimilarity = DescriptionSimilarity(), threshold: Double = DuplicateMatcher.defaultThreshold,
                windowDays: Int = Taxonomy.duplicateWindowDays) {
        self.taxonomy = taxonomy
        self.similarity = similarity
        self.threshold = threshold
        self.window = Double(windowDays) * 86_400
    }

    /// Why two reports are, or are not, the same hazard.
    public enum Decision: Sendable, Equatable {
        /// The same hazard: descriptions `similarity` alike, `metres` apart (nil: matched by address).
        case duplicate(similarity: Double, metres: Double?)
        /// Codes neither equal nor both child-friendly.
        case otherService
        /// Too far apart, or no place to compare.
        case elsewhere
        /// Further apart in time than the window.
        case outsideWindow
        /// Near and of the same kind, but the descriptions disagree.
        case otherDescription(similarity: Double)

        /// Whether this is a duplicate.
        public var isDuplicate: Bool {
            if case .duplicate = self { true } else { false }
        }
    }

    /// Whether `later` is the same hazard as `earlier`.
    public func decide(earlier: DuplicateCandidate, later: DuplicateCandidate) -> Decision {
        guard taxonomy.duplicateCodes(for: earlier.serviceCode).contains(later.serviceCode) else { return .otherService }
        guard abs(later.receivedAt.timeIntervalSince(earlier.receivedAt)) <= window else { return .outsideWindow }
        let radius = taxonomy.service(earlier.serviceCode)?.nearbyRadiusMetres ?? Taxonomy.defaultDuplicateRadiusMetres
        var metres: Double?
        if let lat1 = earlier.latitude, let long1 = earlier.longitude, let lat2 = later.latitude, let long2 = later.longitude {
            let distance = DuplicateCandidate.metres(lat1, long1, lat2, long2)
            guard distance <= radius else { return .elsewhere }
            metres = distance
        } else {
            guard let district = earlier.district, district == later.district, let key = earlier.placeKey, key == later.placeKey else {
                return .elsewhere
            }
        }
        let score = similarity.score(earlier.description, later.description)
        return score >= threshold ? .duplicate(similarity: score, metres: metres) : .otherDescription(similarity: score)
    }
}
