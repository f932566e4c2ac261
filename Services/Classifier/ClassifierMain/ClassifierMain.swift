import ClassifierService
import ServiceHosting

/// The `classifier` executable: configuration from the environment, then the service group until SIGTERM/SIGINT.
@main
struct ClassifierMain {
    static func main() async {
        await ServiceHost.main(name: ClassifierStage.name, defaultOpsPort: ClassifierStage.defaultOpsPort, settings: NoServiceSettings.self) { setup in
            try ClassifierStage.build(setup)
        }
    }
}
