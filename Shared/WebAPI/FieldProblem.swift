/// One thing wrong with one field of a submission, named so a client can point at it.
public struct FieldProblem: Sendable, Hashable, Codable {
    /// The field's path (`description`, `location.lat`, `reporter.phone`, `attributes.equipment`).
    public var field: String
    /// Machine-readable kind (`required`, `wrong-type`, `too-long`, `html-not-allowed`, `unknown-service-code`,
    /// `outside-city`, `invalid-phone`, `invalid-value`, `unknown-field`, …).
    public var code: String
    /// What is wrong, in English, without echoing personal data.
    public var message: String

    /// Creates a problem.
    public init(field: String, code: String, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }
}
