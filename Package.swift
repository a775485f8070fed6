// swift-tools-version: 6.1
// Kehu (客户): consumer operations for e-commerce brands.
// Targets follow the data flow: model -> ingest -> identity -> store -> analyses -> interfaces.
import PackageDescription

let package = Package(
    name: "Kehu",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kehu", targets: ["kehu"]),
        .library(name: "KehuModel", targets: ["KehuModel"]),
        .library(name: "KehuIngest", targets: ["KehuIngest"]),
        .library(name: "KehuIdentity", targets: ["KehuIdentity"]),
        .library(name: "KehuStore", targets: ["KehuStore"]),
        .library(name: "KehuGenerator", targets: ["KehuGenerator"]),
        .library(name: "KehuAnalytics", targets: ["KehuAnalytics"]),
        .library(name: "KehuPredict", targets: ["KehuPredict"]),
        .library(name: "KehuPlan", targets: ["KehuPlan"]),
        .library(name: "KehuActivation", targets: ["KehuActivation"]),
        .library(name: "KehuMembers", targets: ["KehuMembers"]),
        .library(name: "KehuCharts", targets: ["KehuCharts"]),
        .library(name: "KehuServer", targets: ["KehuServer"]),
        .library(name: "KehuCommands", targets: ["KehuCommands"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
    ],
    targets: [
        // The vocabulary: events, kinds, money, time, days, identity keys, event batches.
        .target(name: "KehuModel"),
        // File decoders (canonical CSV/JSONL, Taobao UserBehavior, CDNOW, mapped CSV), validation, rejects.
        .target(name: "KehuIngest", dependencies: [
            "KehuModel", "CKehuSIMD",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // OneID: linking identity keys into consumers, with the shared-key guard.
        .target(name: "KehuIdentity", dependencies: ["KehuModel"]),
        // Segments, catalogue, inbox, compaction, snapshot.
        .target(name: "KehuStore", dependencies: [
            "KehuModel", "KehuIdentity", "CKehuWriteBehind", "CKehuPrefetch",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // Analyses: pure functions of a snapshot and parameters, and the reports they return.
        .target(name: "KehuAnalytics", dependencies: ["KehuModel", "KehuStore", "KehuPredict"]),
        // Deterministic simulation of a brand for the demo, tests and benchmarks.
        .target(name: "KehuGenerator", dependencies: ["KehuModel"]),
        // Planning: GMV gap deduction (用户缺口推演) and campaign rhythm (种草 / 长草 / 拔草 / 养草).
        .target(name: "KehuPlan", dependencies: [
            "KehuModel", "KehuStore", "KehuAnalytics",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // Activation: consumer sets, tags, audiences, reach plans (PCT) with holdouts.
        .target(name: "KehuActivation", dependencies: [
            "KehuModel", "KehuStore", "KehuAnalytics", "KehuPredict", "CKehuPrefetch",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // Members (会员): tiers, benefits, the points ledger, 招育转留赞 reporting.
        .target(name: "KehuMembers", dependencies: [
            "KehuModel", "KehuStore", "KehuAnalytics",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // SVG charts and number formatting for the dashboard; no dependencies, no JavaScript.
        .target(name: "KehuCharts"),
        // BG/NBD, Gamma-Gamma, CLV.
        .target(name: "KehuPredict"),
        // Cache prefetch hints for the activation kernels and the duplicate check (C: Swift has no
        // prefetch intrinsic).
        .target(name: "CKehuPrefetch"),
        // The CSV splitter's 64-byte comma and line-feed masks (C: SSE2 compares and movemask,
        // which Swift's SIMD types do not expose).
        .target(name: "CKehuSIMD"),
        // A write-behind shim over SQLite's default VFS, so big commits reach the disk in small
        // pieces (C: it fills SQLite's VFS structs; links the system SQLite, as GRDB does).
        .target(name: "CKehuWriteBehind", linkerSettings: [.linkedLibrary("sqlite3")]),
        // The system zlib, for gzip request bodies (headers: Debian zlib1g-dev, the macOS SDK).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        // The HTTP server: Segment-compatible ingestion, query API, API keys.
        .target(name: "KehuServer", dependencies: [
            "KehuModel", "KehuIngest", "KehuStore", "KehuAnalytics", "KehuPlan", "KehuActivation", "KehuMembers", "KehuCharts", "CZlib",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The commands, as a library so their behaviour and help text are testable.
        .target(name: "KehuCommands", dependencies: [
            "KehuModel", "KehuIngest", "KehuIdentity", "KehuStore", "KehuAnalytics", "KehuGenerator", "KehuPredict",
            "KehuPlan", "KehuActivation", "KehuMembers", "KehuServer", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "kehu", dependencies: ["KehuCommands", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Test support: temporary workspaces, hand-built events, a fixed clock.
        .target(name: "KehuTesting", dependencies: ["KehuModel", "KehuStore", "KehuGenerator", "KehuIngest"]),

        .testTarget(name: "KehuModelTests", dependencies: ["KehuModel"]),
        .testTarget(name: "KehuIngestTests", dependencies: ["KehuIngest", "KehuTesting"], resources: [.copy("Fixtures")]),
        .testTarget(name: "KehuIdentityTests", dependencies: ["KehuIdentity", "KehuTesting"]),
        .testTarget(name: "KehuStoreTests", dependencies: ["KehuStore", "KehuTesting", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "KehuAnalyticsTests", dependencies: ["KehuAnalytics", "KehuPredict", "KehuTesting"]),
        .testTarget(name: "KehuPlanTests", dependencies: ["KehuPlan", "KehuAnalytics", "KehuTesting", "KehuStore"]),
        .testTarget(name: "KehuActivationTests", dependencies: [
            "KehuActivation", "KehuAnalytics", "KehuTesting", "KehuStore", "KehuIngest", "KehuModel",
            // A local webhook receiver for the reach delivery tests.
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "KehuMembersTests", dependencies: ["KehuMembers", "KehuTesting", "KehuStore", "KehuAnalytics", "KehuModel", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "KehuChartsTests", dependencies: ["KehuCharts"]),
        .testTarget(name: "KehuGeneratorTests", dependencies: ["KehuGenerator"]),
        .testTarget(name: "KehuPredictTests", dependencies: ["KehuPredict"], resources: [.copy("Fixtures")]),
        .testTarget(name: "KehuServerTests", dependencies: [
            "KehuServer", "KehuStore", "KehuModel", "KehuIngest", "KehuAnalytics", "KehuPlan", "KehuActivation", "KehuMembers", "KehuTesting", "CZlib",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "KehuCommandsTests", dependencies: ["KehuCommands", "KehuStore", "KehuModel", "KehuTesting", "KehuGenerator", "KehuAnalytics", .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "GRDB", package: "GRDB.swift")]),
    ],
    swiftLanguageModes: [.v6]
)
