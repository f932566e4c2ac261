import Foundation

/// The results of every registered readiness check at one moment: what `GET /ready` renders.
public struct ReadinessReport: Sendable, Hashable {
    /// Each check's result, by check name.
    public var results: [String: ReadinessResult]

    /// Creates a report from results.
    public init(results: [String: ReadinessResult]) {
        self.results = results
    }

    /// Whether every check passed (true when no check is registered).
    public var isReady: Bool { results.values.allSatisfy(\.isUp) }

    /// The names of the checks that failed, sorted.
    public var failingChecks: [String] { results.filter { !$0.value.isUp }.keys.sorted() }

    /// `{"status":"ok"|"unavailable","checks":{"name":"ok"|"down: reason",…}}`, keys sorted.
    public var json: String {
        struct Body: Encodable {
            var status: String
            var checks: [String: String]
        }
        let body = Body(status: isReady ? "ok" : "unavailable", checks: results.mapValues(\.description))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(body) else { return #"{"status":"unavailable","checks":{}}"# }
        return String(decoding: data, as: UTF8.self)
    }
}
