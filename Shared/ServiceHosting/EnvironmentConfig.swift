import Foundation
import Logging
import Messaging

/// Typed, validating access to configuration in environment variables.
///
/// Every accessor records the key it read (see `readKeys`) and, when the value is missing or malformed,
/// records a `ConfigurationError.Problem` and returns a placeholder instead of failing at once; `validate()`
/// then throws one error naming every bad key. Read all keys first, call `validate()`, and only then use
/// the values. Problems never contain the values found, so secrets (passwords in URLs) cannot leak.
///
/// An empty (or all-whitespace) value counts as missing, as `KEY=` does in docker-compose files.
public struct EnvironmentConfig: Sendable {
    /// The environment this configuration reads from.
    public let environment: [String: String]
    /// Every problem found so far, one per key, in reading order.
    public private(set) var problems: [ConfigurationError.Problem] = []
    /// Every key read so far, once each, in reading order (missing or not).
    public private(set) var readKeys: [String] = []

    /// Creates a reader over `environment` (by default the process environment).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// Throws one `ConfigurationError` naming every bad key read so far, if there is any.
    public func validate() throws(ConfigurationError) {
        if !problems.isEmpty {
            throw ConfigurationError(.invalidConfiguration, problems: problems)
        }
    }

    /// The raw, trimmed value of `key`, or nil when it is unset or empty. Records the key as read.
    public mutating func raw(_ key: String) -> String? {
        markRead(key)
        guard let value = environment[key]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            return nil
        }
        return value
    }

    /// A string that must be set; records a problem and returns "" when it is missing.
    public mutating func required(_ key: String, expected: String = "a non-empty value") -> String {
        guard let value = raw(key) else {
            record(key, .missing, expected)
            return ""
        }
        return value
    }

    /// A string that may be unset; nil then.
    public mutating func optional(_ key: String) -> String? {
        raw(key)
    }

    /// A string that may be unset; `defaultValue` then.
    public mutating func optional(_ key: String, default defaultValue: String) -> String {
        raw(key) ?? defaultValue
    }

    /// A TCP port (1...65535); `defaultValue` when unset, a problem when malformed.
    public mutating func port(_ key: String, default defaultValue: Int) -> Int {
        int(key, default: defaultValue, range: 1...65_535, expected: "a TCP port number in 1...65535")
    }

    /// An integer within `range`; `defaultValue` when unset, a problem (and `defaultValue`) when malformed
    /// or out of range.
    public mutating func int(_ key: String, default defaultValue: Int, range: ClosedRange<Int>) -> Int {
        int(key, default: defaultValue, range: range, expected: "an integer in \(range.lowerBound)...\(range.upperBound)")
    }

    /// A boolean (`true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`); `defaultValue` when unset.
    public mutating func bool(_ key: String, default defaultValue: Bool) -> Bool {
        guard let value = raw(key) else { return defaultValue }
        switch value.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default:
            record(key, .malformed, "true or false")
            return defaultValue
        }
    }

    /// A swift-log level (`trace`, `debug`, `info`, `notice`, `warning`, `error`, `critical`; `warn` too),
    /// case-insensitive; `defaultValue` when unset.
    public mutating func logLevel(_ key: String = "LOG_LEVEL", default defaultValue: Logger.Level = .info) -> Logger.Level {
        guard let value = raw(key)?.lowercased() else { return defaultValue }
        if value == "warn" { return .warning }
        guard let level = Logger.Level(rawValue: value) else {
            let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            record(key, .malformed, "one of \(names)")
            return defaultValue
        }
        return level
    }

    /// A required URL whose scheme is one of `schemes` and which names a host (and, if any, a valid port),
    /// e.g. `url("AMQP_URL", schemes: ["amqp", "amqps"])`. Returns the value as given, or "" with a
    /// problem recorded. The value is never echoed in the problem, since URLs carry passwords.
    public mutating func url(_ key: String, schemes: Set<String>) -> String {
        let example = Self.example(for: schemes)
        guard let value = raw(key) else {
            record(key, .missing, example)
            return ""
        }
        guard Self.parseURL(value, schemes: schemes) != nil else {
            record(key, .malformed, example)
            return ""
        }
        return value
    }

    /// Parses `value` as a URL with one of `schemes`, a host and an optional valid port; nil if it is not.
    /// An AMQP URL may name several brokers (`amqp://u:p@h1:p1,h2:p2/vhost`, the nodes of a cluster): each
    /// address must be valid, and the URL with its first one is what is parsed.
    static func parseURL(_ value: String, schemes: Set<String>) -> URLComponents? {
        var value = value
        if schemes.contains("amqp") || schemes.contains("amqps") {
            guard let hosts = AMQPURLHosts(value) else { return nil }
            value = hosts.firstHostURL
        }
        guard let components = URLComponents(string: value),
              let scheme = components.scheme?.lowercased(), schemes.contains(scheme),
              let host = components.host, !host.isEmpty
        else { return nil }
        if let port = components.port, !(1...65_535).contains(port) { return nil }
        return components
    }

    /// A description of a valid URL for the expected-value text of problems.
    private static func example(for schemes: Set<String>) -> String {
        let names = schemes.sorted().map { "\($0)://" }
        let list = names.count <= 1 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names.last!
        let sample: String
        if schemes.contains("amqp") {
            sample = "amqp://user:password@host:5672/vhost"
        } else if schemes.contains("postgres") || schemes.contains("postgresql") {
            sample = "postgres://user:password@host:5432/database"
        } else {
            sample = "\(schemes.sorted().first ?? "scheme")://host:port/path"
        }
        let article = list.first.map { "aeiou".contains($0) } == true ? "an" : "a"
        return "\(article) \(list) URL like \(sample)"
    }

    /// Shared implementation of the integer accessors.
    private mutating func int(_ key: String, default defaultValue: Int, range: ClosedRange<Int>, expected: String) -> Int {
        guard let value = raw(key) else { return defaultValue }
        guard let number = Int(value), range.contains(number) else {
            record(key, .malformed, expected)
            return defaultValue
        }
        return number
    }

    /// Records `key` as read (once).
    private mutating func markRead(_ key: String) {
        if !readKeys.contains(key) { readKeys.append(key) }
    }

    /// Records a problem for `key`, unless one is already recorded for it.
    mutating func record(_ key: String, _ kind: ConfigurationError.Problem.Kind, _ expected: String) {
        markRead(key)
        guard !problems.contains(where: { $0.key == key }) else { return }
        problems.append(ConfigurationError.Problem(key: key, kind: kind, expected: expected))
    }
}
