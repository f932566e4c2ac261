/// The classifier's decision about one report, with the evidence a person can check.
public struct ReportClassification: Sendable, Hashable, Codable {
    /// The service code decided (`OTHER`, or `CFC-OTHER` for a child report, when unsure, with `triage` set).
    public var serviceCode: String
    /// The code the channel gave, kept beside the decision.
    public var channelServiceCode: String?
    /// Whether it is a child-friendly city report (a `CFC-*` code).
    public var childFriendly: Bool
    /// `P0`, `P1` or `P2`.
    public var priority: String
    /// 0…1: how sure the model is of `serviceCode`.
    public var confidence: Double
    /// The matched terms and rules behind the decision.
    public var evidence: [String]
    /// Whether a person must look at it (low confidence, or a confident disagreement with the channel).
    public var triage: Bool
    /// Why it needs triage, when it does.
    public var triageReason: String?
    /// The model that decided (so a decision can be traced to its training data).
    public var modelVersion: String

    /// Creates a classification.
    public init(
        serviceCode: String, channelServiceCode: String?, childFriendly: Bool, priority: String,
        confidence: Double, evidence: [String], triage: Bool, triageReason: String?, modelVersion: String
    ) {
        self.serviceCode = serviceCode
        self.channelServiceCode = channelServiceCode
        self.childFriendly = childFriendly
        self.priority = priority
        self.confidence = confidence
        self.evidence = evidence
        self.triage = triage
        self.triageReason = triageReason
        self.modelVersion = modelVersion
    }

    enum CodingKeys: String, CodingKey {
        case serviceCode = "service_code", channelServiceCode = "channel_service_code"
        case childFriendly = "child_friendly", priority, confidence, evidence, triage
        case triageReason = "triage_reason", modelVersion = "model_version"
    }
}
