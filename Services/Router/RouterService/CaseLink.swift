import Foundation

/// The open case a new report is the same hazard as, found before the report is stored
/// (``DuplicateCaseFinder``): the report will join it instead of becoming a case of its own.
struct CaseLink: Sendable, Equatable {
    /// The case's report id.
    var parentID: UUID
    /// The case's tracking code.
    var parentTrackingCode: String
    /// How alike the descriptions are.
    var similarity: Double
    /// Metres between the points; nil when they met by district and place.
    var metres: Double?
}
