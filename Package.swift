// swift-tools-version:6.1
import PackageDescription

// Vigil: a security event analyzer. The engine (`VigilCore`) holds every stage of the
// pipeline; `vigil` is a thin command-line front over it. VigilCore is not a library with a
// stable API: its declarations are internal, or `package` where another target of this
// package (the CLI, VigilMetrics, vigil-traffic) uses them, and none is `public`. System C libraries come in
// through system-library targets with a module map and a `shim.h`, never vendored.
let package = Package(
    name: "Vigil",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        .executable(name: "vigil-traffic", targets: ["vigil-traffic"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        // Only for `tail --metrics-listen`, in its own target (VigilMetrics); its default
        // traits (swift-configuration support) are not needed.
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: []),
        // Already resolved under Hummingbird; named so VigilMetrics can put its connection
        // limits in the HTTP pipeline (ChannelHandlers on NIOCore and NIOHTTP1's parts).
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        // Already resolved under Hummingbird; named so the metrics server is stopped gracefully (`ServiceGroup`).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        // HMAC-SHA-256 for `report --mask` pseudonyms. Already resolved at this version under
        // Hummingbird (so no new code enters the graph); on Linux it is BoringSSL-backed, on
        // macOS CryptoKit. Foundation has no HMAC on Linux and an FNV hash is not a keyed MAC.
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CMaxMindDB",
            pkgConfig: "libmaxminddb",
            providers: [.apt(["libmaxminddb-dev"])]
        ),
        .target(
            name: "VigilCore",
            dependencies: [
                "CZlib",
                "CMaxMindDB",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // Dynamic exclusivity checks cost 9% of an analysis (perf: swift_beginAccess and
            // AccessSet on every detector state update). The compile-time checks stay; release
            // builds skip the runtime ones, debug builds (and the tests) keep them.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // The Prometheus endpoint of `vigil tail`: swift-prometheus for the exposition,
        // Hummingbird for HTTP. Kept out of VigilCore so the engine builds without SwiftNIO.
        .target(
            name: "VigilMetrics",
            dependencies: [
                "VigilCore",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilCore",
                "VigilMetrics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Synthetic MCP traffic with labelled incidents, for the detection evaluation (tests and
        // Benchmarks/). Not part of Vigil itself.
        .executableTarget(
            name: "vigil-traffic",
            dependencies: ["VigilCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "VigilCoreTests",
            // `vigil` and `vigil-traffic` are listed so end-to-end tests find the binaries built beside them.
            dependencies: ["VigilCore", "VigilMetrics", "vigil", "vigil-traffic", .product(name: "Logging", package: "swift-log")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
