// swift-tools-version: 6.2
import PackageDescription

/// Strict settings shared by every Capstan target: Swift 6 mode, explicit imports.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Capstan",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "capstan", targets: ["capstan"]),
        .executable(name: "capstan-bench", targets: ["CapstanBench"]),
        .executable(name: "capstan-plugin-process", targets: ["capstan-plugin-process"]),
        .executable(name: "capstan-plugin-null", targets: ["capstan-plugin-null"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        .target(name: "CapstanCore", swiftSettings: strict),
        .target(
            name: "CapstanConfig",
            dependencies: ["CapstanCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(name: "CapstanGit", dependencies: ["CapstanCore", "CLibGit2"], swiftSettings: strict),
        .target(
            name: "CapstanStore",
            dependencies: ["CapstanCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        .target(name: "CapstanPluginKit", dependencies: ["CapstanCore"], swiftSettings: strict),
        .target(name: "CapstanAnalysis", dependencies: ["CapstanCore"], swiftSettings: strict),
        .target(
            name: "CapstanEngine",
            dependencies: [
                "CapstanCore", "CapstanConfig", "CapstanGit", "CapstanPluginKit", "CapstanAnalysis",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(name: "CapstanTesting", dependencies: ["CapstanCore"], swiftSettings: strict),
        .target(
            name: "CapstanServer",
            dependencies: [
                "CapstanCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CapstanCLI",
            dependencies: [
                "CapstanCore", "CapstanConfig", "CapstanGit", "CapstanServer", "CapstanEngine", "CapstanStore",
                "CapstanPluginKit", "CapstanAnalysis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "capstan", dependencies: ["CapstanCLI"], swiftSettings: strict),
        .executableTarget(
            name: "CapstanBench",
            dependencies: [
                "CapstanCore", "CapstanGit", "CapstanTesting", "CapstanStore", "CapstanEngine", "CapstanPluginKit",
                "CapstanServer",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "capstan-plugin-process",
            dependencies: ["CapstanPluginKit", "CapstanCore", "CapstanConfig"],
            path: "plugins/process",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "capstan-plugin-null",
            dependencies: ["CapstanPluginKit", "CapstanCore"],
            path: "plugins/null",
            swiftSettings: strict
        ),
        .testTarget(
            name: "CapstanProcessPluginTests",
            dependencies: ["capstan-plugin-process", "CapstanPluginKit", "CapstanCore", "CapstanTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CapstanEndToEndTests",
            dependencies: ["CapstanCore", "CapstanTesting", "capstan", "capstan-plugin-process"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CapstanCoreTests",
            dependencies: ["CapstanCore", "CapstanTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CapstanConfigTests",
            dependencies: ["CapstanConfig", "CapstanCore", "CapstanTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CapstanGitTests",
            dependencies: ["CapstanGit", "CapstanCore", "CapstanTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CapstanStoreTests",
            dependencies: ["CapstanStore", "CapstanCore", "CapstanTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CapstanPluginKitTests",
            dependencies: ["CapstanPluginKit", "CapstanCore", "CapstanTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CapstanAnalysisTests",
            dependencies: ["CapstanAnalysis", "CapstanCore", "CapstanTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CapstanEngineTests",
            dependencies: ["CapstanEngine", "CapstanConfig", "CapstanCore", "CapstanGit", "CapstanPluginKit", "CapstanTesting",
                           "CapstanStore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CapstanCLITests",
            dependencies: [
                "CapstanCLI", "CapstanCore", "CapstanTesting", "CapstanServer", "CapstanEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CapstanServerTests",
            dependencies: [
                "CapstanServer", "CapstanCore", "CapstanTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
