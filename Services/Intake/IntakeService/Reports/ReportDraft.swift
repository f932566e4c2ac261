import Contracts
import JSON

/// A submission that passed validation, in the shape intake stores: every field checked and normalised
/// (phone in E.164, description trimmed), not yet given an id or tracking code.
public struct ReportDraft: Sendable, Hashable {
    /// The channel that submitted it.
    public var channel: String
    /// What the reporter said, trimmed.
    public var description: String
    /// The service code the channel chose, if any (checked against the taxonomy).
    public var serviceCode: String?
    /// The service definition's attributes, checked against it.
    public var attributes: [String: JSONValue]
    /// Where it is.
    public var location: ReportLocation
    /// Who reported it.
    public var reporter: ReporterProfile
    /// How to reach the reporter (personal data), if given.
    public var contact: ReporterContact?
    /// Whether the responsible unit may contact the reporter.
    public var contactAllowed: Bool
    /// Linked media.
    public var mediaURLs: [String]
}
