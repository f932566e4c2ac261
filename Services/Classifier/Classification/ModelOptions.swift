/// The choices of the feature extractor and the model, in one place so that cross-validation can compare
/// them; `standard` is what ships (chosen by 10-fold cross-validation on the shipped corpus).
public struct ModelOptions: Sendable, Hashable {
    /// Shortest character n-gram over the squashed text.
    public var minGram: Int = 3
    /// Longest character n-gram over the squashed text.
    public var maxGram: Int = 5
    /// Whether whole words are features.
    public var words: Bool = true
    /// Whether each pair of neighbouring words is also a feature written together (`می`+`شوند` →
    /// `میشوند`), so a spaced word meets its joined spelling.
    public var joinedPairs: Bool = true
    /// Weight of a code's keyword feature (× √ distinct keywords of the code matched) before the report's
    /// feature vector is scaled to unit length; a text feature weighs 1. (3·√3: the first model repeated
    /// the keyword feature three times and then weighed the repeats as more keywords; cross-validation
    /// chose that, so the value is kept, written plainly.)
    public var keywordWeight: Double = 5.196
    /// Additive score for a code whose taxonomy phrase matched (a rule that must not be missed).
    public var phraseBoost: Double = 2
    /// Passes of stochastic gradient descent over the corpus.
    public var epochs: Int = 30
    /// Initial step size (it decays with each pass).
    public var learningRate: Double = 2
    /// L2 regularisation per step.
    public var l2: Double = 0.00001

    /// The shipped choice.
    public static let standard = ModelOptions()

    /// Creates the standard options (change fields to compare).
    public init() {}
}
