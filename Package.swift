// swift-tools-version: 6.2
//
// Arbiter: an orchestrator for RLVR post-training runs.
// Modules follow dependency boundaries (see docs/architecture.md):
//   ArbiterCore      value types only, no I/O, no NIO
//   ArbiterConfig    YAML run configuration: decoding, validation (Yams)
//   ArbiterData      streaming dataset loaders (MoReBench CSV, ToMBench JSONL, tables)
//   ArbiterNumerics  advantage estimators, shaping, diversity (CBLAS, CLAPACKE)
//   ArbiterRewards   rubric judge scoring, ToMBench verifier, Social-R1 rewards
//   ArbiterInference, ArbiterStore, ArbiterTrainer, ArbiterEngine, ArbiterServer:
//                    I/O parts, each behind its own heavy dependency as it lands
//   ArbiterTesting   test doubles that speak the real wire protocols
//   arbiter          the executable: parses arguments, wires services
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Arbiter",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "arbiter", targets: ["arbiter"]),
        .executable(name: "arbiter-peers", targets: ["arbiter-peers"]),
        .library(name: "ArbiterCore", targets: ["ArbiterCore"]),
        .library(name: "ArbiterNumerics", targets: ["ArbiterNumerics"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.25.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            providers: [.apt(["libblas-dev"])]
        ),
        .systemLibrary(
            name: "CLAPACKE",
            path: "Sources/CLAPACKE",
            providers: [.apt(["liblapacke-dev", "liblapack-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "CSHA256Accel"),
        .target(name: "ArbiterCore", dependencies: ["CSHA256Accel"], swiftSettings: swiftSettings),
        .target(
            name: "ArbiterConfig",
            dependencies: [
                "ArbiterCore",
                "ArbiterNumerics",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "ArbiterData", dependencies: ["ArbiterCore"], swiftSettings: swiftSettings),
        .target(
            name: "ArbiterNumerics",
            dependencies: ["ArbiterCore", "CBLAS", "CLAPACKE"],
            swiftSettings: swiftSettings
        ),
        .target(name: "ArbiterRewards", dependencies: ["ArbiterCore"], swiftSettings: swiftSettings),
        .target(
            name: "ArbiterInference",
            dependencies: [
                "ArbiterCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ArbiterStore",
            dependencies: [
                "ArbiterCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ArbiterTrainer",
            dependencies: [
                "ArbiterCore", "CZlib",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ArbiterEngine",
            dependencies: [
                "ArbiterCore", "ArbiterConfig", "ArbiterData", "ArbiterNumerics", "ArbiterRewards",
                "ArbiterInference", "ArbiterStore", "ArbiterTrainer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ArbiterServer",
            dependencies: [
                "ArbiterCore", "ArbiterStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ArbiterTesting",
            dependencies: [
                "ArbiterCore", "ArbiterTrainer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "arbiter",
            dependencies: [
                "ArbiterCore", "ArbiterConfig", "ArbiterData", "ArbiterNumerics", "ArbiterRewards",
                "ArbiterEngine", "ArbiterStore", "ArbiterInference", "ArbiterTrainer", "ArbiterServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "arbiter-peers",
            dependencies: ["ArbiterTesting", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ArbiterCoreTests", dependencies: ["ArbiterCore", "ArbiterTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ArbiterConfigTests",
            dependencies: ["ArbiterConfig", "ArbiterCore", "ArbiterTesting"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ArbiterDataTests",
            dependencies: ["ArbiterData", "ArbiterCore", "ArbiterTesting"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ArbiterNumericsTests",
            dependencies: ["ArbiterNumerics", "ArbiterCore", "ArbiterTesting"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ArbiterRewardsTests", dependencies: ["ArbiterRewards", "ArbiterData", "ArbiterCore", "ArbiterTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ArbiterEngineTests",
            dependencies: [
                "ArbiterEngine", "ArbiterInference", "ArbiterRewards", "ArbiterCore", "ArbiterTesting", "ArbiterStore",
                "ArbiterNumerics", "ArbiterTrainer",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ArbiterCLITests",
            dependencies: [
                "arbiter", "ArbiterTesting", "ArbiterStore", "ArbiterNumerics", "ArbiterTrainer", "ArbiterCore", "ArbiterEngine",
                "ArbiterRewards", "ArbiterInference",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ArbiterStoreTests", dependencies: ["ArbiterStore", "ArbiterCore", "ArbiterTesting", "arbiter"],
            resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "ArbiterInferenceTests", dependencies: ["ArbiterInference", "ArbiterCore", "ArbiterTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ArbiterServerTests",
            dependencies: [
                "ArbiterServer", "ArbiterStore", "ArbiterCore", "ArbiterTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ArbiterTrainerTests",
            dependencies: ["ArbiterTrainer", "ArbiterCore", "ArbiterTesting"],
            swiftSettings: swiftSettings
        ),
    ]
)
