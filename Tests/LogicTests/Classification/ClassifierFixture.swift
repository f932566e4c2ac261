@testable import Classification

/// The classifier trained on the shipped taxonomy and corpus, once for all tests (training takes a few
/// seconds in a debug build).
enum ClassifierFixture {
    private static let trained = Result { () throws(ClassificationError) -> ReportClassifier in try ReportClassifier.bundled() }

    /// The shipped classifier; a broken corpus or taxonomy fails the calling test with its message.
    static func classifier() throws -> ReportClassifier {
        try trained.get()
    }
}
