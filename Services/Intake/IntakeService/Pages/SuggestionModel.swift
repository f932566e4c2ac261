import Classification
import NIOPosix

/// The classifier's model for the call screen's live suggestion, trained once on first use (on NIO's
/// blocking pool: training takes a second or two and intake starts without it). The classifier stage
/// still decides each report; this only shows the operator what it will probably say.
actor SuggestionModel {
    private var classifier: ReportClassifier?

    /// The model, trained on the first call.
    func model() async throws -> ReportClassifier {
        if let classifier { return classifier }
        let trained = try await NIOThreadPool.singleton.runIfActive { try ReportClassifier.bundled() }
        classifier = trained
        return trained
    }
}
