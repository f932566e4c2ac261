import Foundation
import ServiceHosting
import Testing
import TestSupport
import Yams

/// Configuration contracts: a bad environment stops a service at start naming every bad key, and the
/// deployment file gives each service exactly the keys it reads.
@Suite("Service configuration")
struct ConfigurationTests {
    @Test("a service started without its configuration exits 1 and names every missing or malformed key", arguments: ["intake", "classifier", "council-audit"])
    func badConfigurationFailsAtStart(_ name: String) throws {
        let (status, output) = try runBuilt(name, environment: ["AMQP_URL": "http://not-amqp", "OPS_PORT": "99999"])
        #expect(status == 1)
        #expect(output.contains("AMQP_URL"))
        #expect(output.contains("DATABASE_URL"))
        #expect(output.contains("OPS_PORT"))
        if name == "intake" { #expect(output.contains("OPEN137_API_KEY")) }
        if name == "council-audit" { #expect(output.contains("OPEN137_COUNCIL_KEY")) }
    }

    @Test("a password in a malformed URL never reaches the error")
    func errorsDoNotLeakSecrets() {
        do {
            _ = try ServiceConfiguration.load(environment: ["AMQP_URL": "amqp://user:s3cret-pass@", "DATABASE_URL": "mysql://u:s3cret-pass@h/db"], defaultOpsPort: 9000)
            Issue.record("malformed configuration was accepted")
        } catch {
            #expect(Set(error.keys) == ["AMQP_URL", "DATABASE_URL"])
            #expect(!"\(error)".contains("s3cret-pass"))
        }
    }

    @Test("docker-compose.yml gives every service exactly the keys its configuration reads", arguments: ServiceUnderTest.all)
    func composeEnvironmentMatchesConfiguration(_ service: ServiceUnderTest) throws {
        let text = try String(contentsOfFile: try RepositoryFiles.path("docker-compose.yml"), encoding: .utf8)
        let compose = try #require(try Yams.load(yaml: text) as? [String: Any])
        let services = try #require(compose["services"] as? [String: Any])
        let entry = try #require(services[service.name] as? [String: Any], "no \(service.name) in docker-compose.yml")
        let environment = try #require(entry["environment"] as? [String: Any])
        #expect(Set(environment.keys) == Set(service.configurationKeys))
        #expect(entry["healthcheck"] != nil)
        #expect(entry["build"] != nil || entry["image"] != nil)
    }

    @Test("the scalable workers declare replicas in docker-compose.yml", arguments: ["classifier", "router", "notifier"])
    func workersAreScalable(_ name: String) throws {
        let text = try String(contentsOfFile: try RepositoryFiles.path("docker-compose.yml"), encoding: .utf8)
        let compose = try #require(try Yams.load(yaml: text) as? [String: Any])
        let entry = try #require((compose["services"] as? [String: Any])?[name] as? [String: Any])
        let replicas = (entry["deploy"] as? [String: Any])?["replicas"] as? Int
        #expect((replicas ?? 0) >= 2)
    }
}
