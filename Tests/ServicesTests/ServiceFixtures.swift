import ClassifierService
import CouncilAuditService
import Foundation
import IntakeService
import NotifierService
import RouterService
import ServiceLifecycle
import ServiceHosting
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One of the five services, as the tests drive it: its name, the keys its configuration reads, and
/// its `build` function.
struct ServiceUnderTest: Sendable, CustomStringConvertible {
    let name: String
    let schema: String
    let ownedQueues: [String]
    let configurationKeys: [String]
    let build: @Sendable (_ environment: [String: String]) throws -> ServiceGroup

    var description: String { name }

    static let all: [ServiceUnderTest] = [
        make(IntakeStage.name, IntakeStage.schema, IntakeStage.topology.queues.map(\.name), IntakeSettings.self) { try IntakeStage.build($0, gracefulShutdownSignals: []) },
        make(ClassifierStage.name, ClassifierStage.schema, ClassifierStage.topology.queues.map(\.name), NoServiceSettings.self) { try ClassifierStage.build($0, gracefulShutdownSignals: []) },
        make(RouterStage.name, RouterStage.schema, RouterStage.topology.queues.map(\.name), RouterSettings.self) { try RouterStage.build($0, gracefulShutdownSignals: []) },
        make(NotifierStage.name, NotifierStage.schema, NotifierStage.topology.queues.map(\.name), NotifierSettings.self) { try NotifierStage.build($0, gracefulShutdownSignals: []) },
        make(CouncilAuditStage.name, CouncilAuditStage.schema, CouncilAuditStage.topology.queues.map(\.name), CouncilAuditSettings.self) { try CouncilAuditStage.build($0, gracefulShutdownSignals: []) },
    ]

    private static func make<Settings: ServiceSettings>(
        _ name: String,
        _ schema: String,
        _ queues: [String],
        _ settings: Settings.Type,
        _ build: @escaping @Sendable (ServiceSetup<Settings>) throws -> ServiceGroup
    ) -> ServiceUnderTest {
        ServiceUnderTest(name: name, schema: schema, ownedQueues: queues, configurationKeys: ServiceConfiguration.keys(with: settings)) { environment in
            let loaded = try ServiceConfiguration.load(settings, environment: environment, defaultOpsPort: 1)
            let setup = ServiceSetup(
                name: name, configuration: loaded.service, settings: loaded.settings,
                logger: TestEnvironment.logger(name), registry: MetricsBootstrap.bootstrap())
            return try build(setup)
        }
    }
}

/// GET `url`, returning the status code and body.
func httpGet(_ url: String) async throws -> (status: Int, body: String) {
    let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
}

/// Runs the built `open137` with `arguments`, this process's environment plus `environment`; standard
/// output and error together.
func runOpen137(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try builtExecutable("open137"))
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Runs the built executable `name` with `arguments` and exactly `environment` (plus a PATH); its
/// standard error, standard output discarded.
func runBuilt(_ name: String, _ arguments: [String] = [], environment: [String: String]) throws -> (status: Int32, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try builtExecutable(name))
    process.arguments = arguments
    process.environment = environment.merging(["PATH": "/usr/bin:/bin"]) { $1 }
    let stderr = Pipe()
    process.standardError = stderr
    process.standardOutput = Pipe()
    try process.run()
    let output = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output)
}

/// The folder of the built executables (next to the test bundle).
func builtExecutable(_ name: String) throws -> String {
    var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if folder.lastPathComponent.hasSuffix(".xctest") { folder.deleteLastPathComponent() }
    let path = folder.appendingPathComponent(name).path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw TimedOut(what: "the executable \(name) at \(path) (run `swift build` first)")
    }
    return path
}
