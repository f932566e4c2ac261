/// The numbers that turn the model's scores into a decision; `standard` ships, chosen by 10-fold
/// cross-validation on the shipped corpus (see `open137 classify --cross-validate`).
public struct DecisionThresholds: Sendable, Hashable {
    /// Where the child-friendly probability comes from.
    public enum ChildSource: String, Sendable, Hashable, CaseIterable {
        /// The sum of the `CFC-*` codes' probabilities from the code model.
        case codeModel
        /// A separate child-vs-not model trained on the same features.
        case childModel
        /// The mean of the two.
        case both
    }

    /// Where the child probability comes from.
    public var childSource: ChildSource = .both
    /// A report that names a child or a child place is child-friendly at or above this probability. Far
    /// below 0.5 on purpose: a missed child report is the worst error, and the anchor (a child word or a
    /// `CFC-*` keyword must be present) keeps the precision.
    public var child: Double = 0.1
    /// Below this confidence in the code (within its group), the report goes to `OTHER` (or `CFC-OTHER`
    /// for a child report) with triage; below it overall (code × group), the code stands but is flagged.
    public var lowConfidence: Double = 0.3
    /// At or above this confidence, a decision that differs from the channel's code is flagged for triage.
    public var disagreement: Double = 0.6
    /// Scores are divided by this before the softmax (above 1 makes the model less sure of itself).
    public var temperature: Double = 1
    /// The priority model alone makes a report `P0` at or above this probability (a danger rule always does).
    public var p0: Double = 0.6

    /// The shipped thresholds.
    public static let standard = DecisionThresholds()

    /// Creates the standard thresholds (change fields to compare).
    public init() {}
}
