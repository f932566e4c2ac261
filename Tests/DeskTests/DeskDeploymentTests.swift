import DeskService
import JSON
import ServiceHosting
import Testing
import TestSupport

/// The desk as others deploy it: docker-compose gives it exactly the keys it reads (as every service's
/// entry is checked in `ConfigurationTests`).
@Suite("Units' desk deployment")
struct DeskDeploymentTests {
    @Test("docker-compose.yml gives the desk exactly the keys its configuration reads, a health check and its port")
    func composeEntry() throws {
        let compose = try JSONDocuments.load(from: try RepositoryFiles.path("docker-compose.yml"))
        let entry = try #require(compose["services"]?[DeskStage.name])
        let keys = try #require(entry["environment"]?.objectValue?.keys)
        #expect(Set(keys) == Set(ServiceConfiguration.keys(with: DeskSettings.self)))
        #expect(entry["healthcheck"] != nil)
        #expect(entry["ports"]?.arrayValue?.contains(.string("8139:8139")) == true)
    }
}
