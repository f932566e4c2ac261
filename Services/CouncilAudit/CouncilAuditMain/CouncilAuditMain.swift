import CouncilAuditService
import ServiceHosting

/// The `council-audit` executable: configuration from the environment, then the service group until SIGTERM/SIGINT.
@main
struct CouncilAuditMain {
    static func main() async {
        await ServiceHost.main(name: CouncilAuditStage.name, defaultOpsPort: CouncilAuditStage.defaultOpsPort, settings: CouncilAuditSettings.self) { setup in
            try CouncilAuditStage.build(setup)
        }
    }
}
