import Contracts
import Foundation

/// A report the router linked to one of the unit's cases, as the case page lists it: what its reporter said
/// and where, and how well it matched — never who reported it.
struct DeskLinkedReport: Sendable {
    /// The linked report (the id a split request names).
    var reportID: UUID
    /// Its own tracking code (what its reporter quotes on the phone).
    var trackingCode: String
    /// What its reporter said.
    var description: String
    /// Where, as its reporter gave it.
    var location: ReportLocation?
    /// How alike the descriptions were (0–1).
    var similarity: Double
    /// Metres from the case's point; nil when matched by district and place.
    var metres: Double?
    /// When intake accepted it.
    var receivedAt: Date
}
