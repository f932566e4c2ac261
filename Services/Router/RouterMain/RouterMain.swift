import RouterService
import ServiceHosting

/// The `router` executable: configuration from the environment, then the service group until SIGTERM/SIGINT.
@main
struct RouterMain {
    static func main() async {
        await ServiceHost.main(name: RouterStage.name, defaultOpsPort: RouterStage.defaultOpsPort, settings: RouterSettings.self) { setup in
            try RouterStage.build(setup)
        }
    }
}
