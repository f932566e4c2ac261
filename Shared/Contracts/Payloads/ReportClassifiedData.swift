/// The data of `report.classified`: the report as received plus the classifier's decision.
public struct ReportClassifiedData: Sendable, Hashable, Codable {
    /// The report as intake accepted it.
    public var report: ReportReceivedData
    /// What the classifier decided and why.
    public var classification: ReportClassification

    /// Creates the data of one classified report.
    public init(report: ReportReceivedData, classification: ReportClassification) {
        self.report = report
        self.classification = classification
    }
}
