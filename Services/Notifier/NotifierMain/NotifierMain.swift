import NotifierService
import ServiceHosting

/// The `notifier` executable: configuration from the environment, then the service group until SIGTERM/SIGINT.
@main
struct NotifierMain {
    static func main() async {
        await ServiceHost.main(name: NotifierStage.name, defaultOpsPort: NotifierStage.defaultOpsPort, settings: NotifierSettings.self) { setup in
            try NotifierStage.build(setup)
        }
    }
}
