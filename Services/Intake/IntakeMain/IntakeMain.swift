import IntakeService
import ServiceHosting

/// The `intake` executable: configuration from the environment, then the service group until SIGTERM/SIGINT.
@main
struct IntakeMain {
    static func main() async {
        await ServiceHost.main(name: IntakeStage.name, defaultOpsPort: IntakeStage.defaultOpsPort, settings: IntakeSettings.self) { setup in
            try IntakeStage.build(setup)
        }
    }
}
