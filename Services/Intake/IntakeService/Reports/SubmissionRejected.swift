import WebAPI

/// A submission that cannot be accepted, with every field problem found (not just the first).
public struct SubmissionRejected: Error, Sendable, Hashable {
    /// The problems, in the order of the fields.
    public var problems: [FieldProblem]

    /// Creates a rejection.
    public init(problems: [FieldProblem]) {
        self.problems = problems
    }

    /// A short summary for logs and AMQP reason headers (field names and codes only, no values).
    public var summary: String {
        problems.map { "\($0.field): \($0.code)" }.joined(separator: ", ")
    }
}
