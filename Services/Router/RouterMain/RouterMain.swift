import RouterService
import ServiceHosting

/// The `router` executable: configuration from the environment, then the service group until SIGTERM/SIGINT.
@main
struct RouterMain {
    static func main() async {
        await ServiceHost.main(name: RouterService.name, defaultOpsPort: RouterService.defaultOpsPort, settings: RouterSettings.self) { setup in
            try RouterService.build(setup)
        }
    }
}
