// swift-tools-version:6.1
import PackageDescription

/// What both command-line tools (`open137`, `open137-load`) build on: the shared modules, argument parsing,
/// HTTP clients (the RabbitMQ management API, intake), PostgreSQL.
let toolDependencies: [Target.Dependency] = [
    "StaffAccounts", "Messaging", "JSON", "Contracts", "BrokerTopology", "Persistence", "ServiceHosting", "Stages", "Classification", "Taxonomy",
    .product(name: "ArgumentParser", package: "swift-argument-parser"),
    .product(name: "AsyncHTTPClient", package: "async-http-client"),
    .product(name: "PostgresNIO", package: "postgres-nio"),
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
]

/// Open137: five pipeline services, an admin tool and a load-testing tool over RabbitMQ (rabbitmq-c) and
/// PostgreSQL (postgres-nio).
let package = Package(
    name: "Open137",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "intake", targets: ["IntakeMain"]),
        .executable(name: "classifier", targets: ["ClassifierMain"]),
        .executable(name: "router", targets: ["RouterMain"]),
        .executable(name: "notifier", targets: ["NotifierMain"]),
        .executable(name: "council-audit", targets: ["CouncilAuditMain"]),
        .executable(name: "desk", targets: ["DeskMain"]),
        .executable(name: "open137", targets: ["Open137Main"]),
        .executable(name: "open137-load", targets: ["LoadTestingMain"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.36.0"),
    ],
    targets: [
        // MARK: Shared — split by concern
        .systemLibrary(
            name: "CRabbitMQ",
            path: "Shared/CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        .target(
            name: "Messaging",
            dependencies: [
                "CRabbitMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Messaging"
        ),
        // JSON: the parser, the writer and the one string escaper every hand-written form uses.
        .target(name: "JSON", path: "Shared/JSON"),
        // The pipeline's contracts: the CloudEvents envelope, event types and payloads. No AMQP.
        .target(name: "Contracts", dependencies: ["JSON"], path: "Shared/Contracts"),
        // Open137's broker objects (exchanges, queues, bindings, policies, users, permissions) and the
        // mapping of an event to an AMQP message.
        .target(name: "BrokerTopology", dependencies: ["Messaging", "Contracts", "JSON"], path: "Shared/BrokerTopology"),
        .target(
            name: "Persistence",
            dependencies: [
                "Contracts",
                "BrokerTopology",
                "Messaging",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Persistence",
            resources: [.copy("Migrations")]
        ),
        .target(
            name: "Taxonomy",
            dependencies: [.product(name: "Yams", package: "Yams")],
            path: "Shared/Taxonomy",
            resources: [.copy("Resources/taxonomy.yaml")]
        ),
        // The units (departments) and the service codes each handles: the router routes by them, the
        // notifier names them. The file sits in Data/, not Resources/ (a root Resources folder confuses Bundle on Linux).
        .target(
            name: "Units",
            dependencies: ["Taxonomy", .product(name: "Yams", package: "Yams")],
            path: "Shared/Units",
            resources: [.copy("Data/units.yaml")]
        ),
        // The reporter's reopen secret: intake checks it, the notifier sends it; derived, so never in an event.
        .target(
            name: "ReporterSecret",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            path: "Shared/ReporterSecret"
        ),
        // The Solar Hijri (Jalali) calendar: council-audit's quarters and the notifier's dates.
        .target(name: "JalaliCalendar", path: "Shared/Calendar"),
        // What every HTTP API of Open137 shares: the error answer (APIError, a Hummingbird HTTPResponseError)
        // and the middleware that turns every thrown error into one.
        .target(
            name: "WebAPI",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log")],
            path: "Shared/WebAPI"
        ),
        // Staff accounts and their sessions (schema `staff`): one sign-in for intake's call screen, the units'
        // desk and the council's dashboard; passwords hashed with bcrypt.
        .target(
            name: "StaffAccounts",
            dependencies: [
                "Persistence",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/StaffAccounts",
            resources: [.copy("Migrations")]
        ),
        // What every web page of Open137 shares: the layout and style (Persian RTL first), the language
        // choice, Persian digits and Solar Hijri dates, CSRF tokens, the staff session cookie, the assets.
        .target(
            name: "WebPages",
            dependencies: [
                "JalaliCalendar", "StaffAccounts", "Contracts",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/WebPages",
            resources: [.copy("Templates"), .copy("Assets")]
        ),
        // A stage's runtime: database client, publisher, outbox relay, retention, the delivery worker that
        // consumes through the inbox and tells an outage from poison, dead-letter depth.
        .target(
            name: "Stages",
            dependencies: [
                "ServiceHosting", "BrokerTopology", "Contracts", "Messaging", "Persistence",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Shared/Stages"
        ),
        // Hosting one process: configuration from the environment, logging (redacted) and metrics, the ops
        // server (/health, /ready, /metrics), migrations at start, the service group until a signal.
        .target(
            name: "ServiceHosting",
            dependencies: [
                "Messaging",
                "Persistence",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Shared/ServiceHosting"
        ),

        // MARK: Services — one library (what tests drive) and one thin @main each
        .target(
            name: "IntakeService",
            dependencies: [
                "ServiceHosting", "Stages", "WebAPI", "Messaging", "JSON", "Contracts", "BrokerTopology", "Persistence", "Taxonomy", "ReporterSecret",
                // The pages: citizens' report and track, the operators' call screen (a live suggestion from the model).
                "WebPages", "StaffAccounts", "JalaliCalendar", "Classification", "Units",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Services/Intake/IntakeService",
            resources: [.copy("Migrations"), .copy("OpenAPI"), .copy("Templates")]
        ),
        .executableTarget(name: "IntakeMain", dependencies: ["IntakeService"], path: "Services/Intake/IntakeMain"),
        // The model and text normalisation: no broker, no database (`open137 classify` uses it alone).
        .target(
            name: "Classification",
            dependencies: ["Taxonomy"],
            path: "Services/Classifier/Classification",
            resources: [.copy("Corpus")]
        ),
        .target(name: "ClassifierService", dependencies: ["ServiceHosting", "Stages", "Messaging", "JSON", "Contracts", "BrokerTopology", "Persistence", "Classification", "Taxonomy", .product(name: "UnixSignals", package: "swift-service-lifecycle")], path: "Services/Classifier/ClassifierService", resources: [.copy("Migrations")]),
        .executableTarget(name: "ClassifierMain", dependencies: ["ClassifierService"], path: "Services/Classifier/ClassifierMain"),
        .target(name: "RouterService", dependencies: ["ServiceHosting", "Stages", "Messaging", "JSON", "Contracts", "BrokerTopology", "Persistence", "Taxonomy", "Units", "Classification", .product(name: "UnixSignals", package: "swift-service-lifecycle")], path: "Services/Router/RouterService", resources: [.copy("Migrations")]),
        .executableTarget(name: "RouterMain", dependencies: ["RouterService"], path: "Services/Router/RouterMain"),
        .target(
            name: "NotifierService",
            dependencies: [
                "ServiceHosting", "Stages", "Messaging", "JSON", "Contracts", "BrokerTopology", "Persistence", "Taxonomy", "JalaliCalendar", "ReporterSecret",
                // Unit names in messages, from the shared units file (the router's routing table too).
                "Units",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Services/Notifier/NotifierService",
            resources: [.copy("Migrations"), .copy("Resources/templates.yaml")]
        ),
        .executableTarget(name: "NotifierMain", dependencies: ["NotifierService"], path: "Services/Notifier/NotifierMain"),
        .target(
            name: "CouncilAuditService",
            dependencies: [
                "ServiceHosting", "Stages", "WebAPI", "Messaging", "JSON", "Contracts", "BrokerTopology", "Persistence", "Taxonomy", "JalaliCalendar",
                // The committee's dashboard behind staff sign-in (role council), unit names from the shared units file.
                "WebPages", "StaffAccounts", "Units",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Services/CouncilAudit/CouncilAuditService",
            resources: [.copy("Migrations"), .copy("Templates")]
        ),
        .executableTarget(name: "CouncilAuditMain", dependencies: ["CouncilAuditService"], path: "Services/CouncilAudit/CouncilAuditMain"),
        // The units' desk: a department's own consumer of its queue (as the unit's broker user), with a web desk.
        .target(
            name: "DeskService",
            dependencies: [
                "ServiceHosting", "Messaging", "JSON", "Contracts", "BrokerTopology", "Persistence", "Taxonomy", "Units",
                "WebPages", "StaffAccounts",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Services/Desk/DeskService",
            resources: [.copy("Migrations"), .copy("Templates")]
        ),
        .executableTarget(name: "DeskMain", dependencies: ["DeskService"], path: "Services/Desk/DeskMain"),
        .target(
            name: "AdminCommands",
            // Every service library: `open137 migrate` applies each service's migrations.
            dependencies: toolDependencies + ["IntakeService", "ClassifierService", "RouterService", "NotifierService", "CouncilAuditService", "DeskService"],
            path: "Services/Admin/AdminCommands"
        ),
        .executableTarget(name: "Open137Main", dependencies: ["AdminCommands"], path: "Services/Admin/Open137Main"),
        // The load generator and the benchmarks (`open137-load`): the benchmarks run services in-process.
        .target(
            name: "LoadTesting",
            dependencies: toolDependencies + [
                "IntakeService", "NotifierService", "CouncilAuditService",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // bench notifier's webhook receiver
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Services/LoadTesting/LoadTesting"
        ),
        .executableTarget(name: "LoadTestingMain", dependencies: ["LoadTesting"], path: "Services/LoadTesting/LoadTestingMain"),

        // MARK: Tests
        // Pure logic, no broker and no database: `swift test --filter LogicTests` runs anywhere, and
        // `make test` runs it first.
        .testTarget(
            name: "LogicTests",
            dependencies: [
                "JSON", "Contracts", "BrokerTopology", "Messaging", "Persistence", "ServiceHosting", "Stages", "WebAPI",
                "Taxonomy", "Units", "Classification", "JalaliCalendar", "ReporterSecret", "StaffAccounts", "WebPages",
                "IntakeService", "RouterService", "NotifierService", "CouncilAuditService", "DeskService", "LoadTesting", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/LogicTests"
        ),
        // The rest: against the real broker and database started by `make test`
        .target(
            name: "TestSupport",
            dependencies: ["Messaging", "JSON", "Contracts", "BrokerTopology", .product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "MessagingTests", dependencies: ["Messaging", "JSON", "Contracts", "BrokerTopology", "TestSupport"], path: "Tests/MessagingTests"),
        // Broker restarts and alarms: run alone, after the others (`make test` runs them as a second phase).
        .testTarget(name: "FaultTests", dependencies: ["Messaging", "JSON", "Contracts", "BrokerTopology", "Persistence", "TestSupport", "IntakeService", "ServiceHosting", "Stages", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")], path: "Tests/FaultTests"),
        .testTarget(
            name: "PersistenceTests",
            dependencies: [
                "Persistence", "JSON", "Contracts", "BrokerTopology", "Messaging", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/PersistenceTests"
        ),
        .testTarget(name: "ServiceHostingTests", dependencies: ["ServiceHosting", "Stages", "Persistence", "TestSupport"], path: "Tests/ServiceHostingTests"),
        .testTarget(
            name: "IntakeTests",
            dependencies: [
                "WebAPI",
                "IntakeService", "JSON", "Contracts", "BrokerTopology", "Messaging", "Persistence", "Taxonomy", "TestSupport", "ServiceHosting", "Stages", "ReporterSecret",
                "StaffAccounts", "WebPages",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Tests/IntakeTests"
        ),
        .testTarget(
            name: "CouncilAuditTests",
            dependencies: [
                "WebAPI", "WebPages", "StaffAccounts",
                "CouncilAuditService", "JSON", "Contracts", "BrokerTopology", "Messaging", "Persistence", "Taxonomy", "TestSupport", "ServiceHosting", "Stages", "JalaliCalendar",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/CouncilAuditTests"
        ),
        .testTarget(
            name: "DeskTests",
            dependencies: [
                "DeskService", "RouterService", "AdminCommands", "WebPages", "StaffAccounts", "Units",
                "JSON", "Contracts", "BrokerTopology", "Messaging", "Persistence", "TestSupport", "ServiceHosting", "Stages",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/DeskTests"
        ),
        .testTarget(
            name: "NotifierTests",
            dependencies: [
                "NotifierService", "IntakeService", "JSON", "Contracts", "BrokerTopology", "Messaging", "Persistence", "TestSupport", "ServiceHosting", "Stages", "JalaliCalendar",
                "ReporterSecret",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/NotifierTests"
        ),
        .testTarget(
            name: "ServicesTests",
            dependencies: [
                "WebAPI",
                "IntakeService", "ClassifierService", "RouterService", "NotifierService", "CouncilAuditService",
                "AdminCommands", "LoadTesting", "TestSupport", "Units", "ReporterSecret", .product(name: "Yams", package: "Yams"),
            ],
            path: "Tests/ServicesTests"
        ),
    ]
)
