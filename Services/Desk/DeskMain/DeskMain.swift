import DeskService
import ServiceHosting

/// The `desk` executable: configuration from the environment, then the service group until SIGTERM/SIGINT.
@main
struct DeskMain {
    static func main() async {
        await ServiceHost.main(name: DeskStage.name, defaultOpsPort: DeskStage.defaultOpsPort, settings: DeskSettings.self) { setup in
            try DeskStage.build(setup)
        }
    }
}
