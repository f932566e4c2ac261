import NotifierService
import ServiceHosting

/// The `notifier` executable: configuration from the environment, then the service group until SIGTERM/SIGINT.
@main
struct NotifierMain {
    static func main() async {
        await ServiceHost.main(name: NotifierService.name, defaultOpsPort: NotifierService.defaultOpsPort, settings: NotifierSettings.self) { setup in
            try NotifierService.build(setup)
        }
    }
}
