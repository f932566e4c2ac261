import Taxonomy

/// What the classifier decided about one report, and why.
public struct ClassifierDecision: Sendable, Hashable {
    /// The service code decided (`OTHER` or `CFC-OTHER` when unsure, with `triage` set).
    public var serviceCode: String
    /// The code the channel gave, kept beside the decision.
    public var channelServiceCode: String?
    /// Whether it is a child-friendly city report.
    public var childFriendly: Bool
    /// How urgent.
    public var priority: Priority
    /// 0…1: how sure the model is of `serviceCode`.
    public var confidence: Double
    /// 0…1: the probability that it is a child report.
    public var childProbability: Double
    /// Matched phrases, keywords and danger rules, and the n-grams that weighed most, for a person.
    public var evidence: [String]
    /// Whether a person must look at it.
    public var triage: Bool
    /// Why, when `triage` is set.
    public var triageReason: String?
    /// The model that decided.
    public var modelVersion: String
    /// What the model alone preferred, before low confidence or the channel's code changed the decision.
    public var modelServiceCode: String
}
