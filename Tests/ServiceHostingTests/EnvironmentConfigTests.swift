import Logging
@testable import ServiceHosting
import Testing


/// Reading and validating configuration from an environment dictionary.
@Suite("EnvironmentConfig", .timeLimit(.minutes(1)))
struct EnvironmentConfigTests {
    @Test("required keys that are unset or empty are each named as missing")
    func missingKeys() throws {
        var config = EnvironmentConfig(environment: ["EMPTY": "  "])
        #expect(config.required("ABSENT") == "")
        #expect(config.required("EMPTY") == "")
        let error = #expect(throws: ConfigurationError.self) { try config.validate() }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.keys == ["ABSENT", "EMPTY"])
        #expect(error?.problems.allSatisfy { $0.kind == .missing } == true)
        #expect(error?.description.contains("ABSENT is missing") == true)
    }

    @Test("defaults apply when optional keys are unset")
    func defaults() throws {
        var config = EnvironmentConfig(environment: [:])
        #expect(config.optional("NAME", default: "x") == "x")
        #expect(config.optional("NAME") == nil)
        #expect(config.port("PORT", default: 9101) == 9101)
        #expect(config.int("BATCH", default: 100, range: 1...1000) == 100)
        #expect(config.bool("FLAG", default: true) == true)
        #expect(config.logLevel() == .info)
        #expect(config.logLevel("OTHER_LEVEL", default: .debug) == .debug)
        try config.validate()
        #expect(config.readKeys == ["NAME", "PORT", "BATCH", "FLAG", "LOG_LEVEL", "OTHER_LEVEL"])
    }

    @Test("valid values are parsed")
    func validValues() throws {
        var config = EnvironmentConfig(environment: [
            "PORT": "8080", "BATCH": " 250 ", "FLAG": "off", "LOG_LEVEL": "DEBUG", "WARN_LEVEL": "warn",
            "AMQP_URL": "amqps://user:pw@broker.example:5671/%2F",
        ])
        #expect(config.port("PORT", default: 1) == 8080)
        #expect(config.int("BATCH", default: 1, range: 1...1000) == 250)
        #expect(config.bool("FLAG", default: true) == false)
        #expect(config.logLevel() == .debug)
        #expect(config.logLevel("WARN_LEVEL") == .warning)
        #expect(config.url("AMQP_URL", schemes: ["amqp", "amqps"]) == "amqps://user:pw@broker.example:5671/%2F")
        try config.validate()
    }

    @Test("malformed values are each named with what is expected, never with the value")
    func malformedValues() throws {
        var config = EnvironmentConfig(environment: [
            "PORT": "http", "OTHER_PORT": "70000", "BATCH": "5000", "FLAG": "maybe", "LOG_LEVEL": "loud",
            "AMQP_URL": "http://guest:s3cret-pass@broker:5672/", "NO_HOST_URL": "amqp://guest:0th3r-pass@:5672/",
        ])
        #expect(config.port("PORT", default: 9101) == 9101)
        _ = config.port("OTHER_PORT", default: 9101)
        #expect(config.int("BATCH", default: 100, range: 1...1000) == 100)
        _ = config.bool("FLAG", default: false)
        #expect(config.logLevel() == .info)
        #expect(config.url("AMQP_URL", schemes: ["amqp", "amqps"]) == "")
        _ = config.url("NO_HOST_URL", schemes: ["amqp", "amqps"])
        let error = try #require(#expect(throws: ConfigurationError.self) { try config.validate() })
        #expect(error.keys == ["PORT", "OTHER_PORT", "BATCH", "FLAG", "LOG_LEVEL", "AMQP_URL", "NO_HOST_URL"])
        #expect(error.problems.allSatisfy { $0.kind == .malformed })
        let text = "\(error)"
        #expect(text.contains("PORT is malformed (expected a TCP port number in 1...65535)"))
        #expect(text.contains("BATCH is malformed (expected an integer in 1...1000)"))
        #expect(text.contains("LOG_LEVEL is malformed (expected one of trace, debug, info, notice, warning, error, critical)"))
        #expect(text.contains("AMQP_URL is malformed (expected an amqp:// or amqps:// URL"))
        for secret in ["s3cret-pass", "0th3r-pass", "http://", "loud", "maybe", "70000"] {
            #expect(!text.contains(secret), "the error echoes \(secret)")
        }
    }

    @Test("a key read twice is reported once")
    func problemsAreUniquePerKey() {
        var config = EnvironmentConfig(environment: [:])
        _ = config.required("A")
        _ = config.required("A")
        #expect(config.problems.count == 1)
        #expect(config.readKeys == ["A"])
    }
}
