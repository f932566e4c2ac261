import IntakeService
import ServiceHosting

/// The `intake` executable: configuration from the environment, then the service group until SIGTERM/SIGINT.
@main
struct IntakeMain {
    static func main() async {
        await ServiceHost.main(name: IntakeService.name, defaultOpsPort: IntakeService.defaultOpsPort, settings: IntakeSettings.self) { setup in
            try IntakeService.build(setup)
        }
    }
}
