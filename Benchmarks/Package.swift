// swift-tools-version: 6.1
// Kehu's benchmarks: a separate package so the main package never depends on the benchmark
// harness. `swift package benchmark` runs the ordo-one benchmarks under Benchmarks/; the
// `kehu-measure` tool takes the one-shot measurements `run-foundation.sh` prints beside DuckDB,
// `kehu-fit` the KehuPredict fits `run-clv.sh` prints beside lifetimes, and `kehu-analyses` the
// analysis timings (and the snapshot export) `run-analyses.sh` prints beside DuckDB, and
// `kehu-activation` the tag and audience timings.
import PackageDescription

/// The main package, found by path. Its identity is the name of the folder that holds it, so the
/// products are looked up under that name (`main` in the usual checkout, anything in a clone).
let kehu: Package.Dependency = .package(path: "..")
let kehuIdentity = Context.packageDirectory.split(separator: "/").dropLast().last.map { String($0).lowercased() } ?? "main"

func kehuProduct(_ name: String) -> Target.Dependency {
    .product(name: name, package: kehuIdentity)
}

let benchmarkPlugin: Target.PluginUsage = .plugin(name: "BenchmarkPlugin", package: "benchmark")
let benchmarkDependencies: [Target.Dependency] = [
    "KehuWorkloads", "FoundationMetrics", kehuProduct("KehuModel"), kehuProduct("KehuStore"),
    .product(name: "Benchmark", package: "benchmark"),
]

let package = Package(
    name: "KehuBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        kehu,
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // The workloads every benchmark and `kehu-measure` share: the simulated brand sized by
        // events, stores built from generator batches, ingest stages, resident memory.
        // The monotonic stopwatch every timing tool uses (no dependencies, so kehu-analyses builds
        // without the workloads' server stack).
        .target(name: "KehuStopwatch", path: "Sources/KehuStopwatch"),
        .target(
            name: "KehuWorkloads",
            dependencies: [
                "KehuStopwatch", kehuProduct("KehuModel"), kehuProduct("KehuIngest"), kehuProduct("KehuStore"),
                kehuProduct("KehuGenerator"), kehuProduct("KehuCommands"),
            ],
            path: "Sources/KehuWorkloads"),
        // One-shot measurements as JSON, for run-foundation.sh (no harness, builds fast).
        .executableTarget(
            name: "kehu-measure",
            dependencies: [
                "KehuWorkloads", kehuProduct("KehuModel"), kehuProduct("KehuStore"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/kehu-measure"),
        // BG/NBD + Gamma-Gamma fits on a summary CSV, timed, for run-clv.sh (beside lifetimes).
        .executableTarget(
            name: "kehu-fit",
            dependencies: [
                "KehuWorkloads", kehuProduct("KehuPredict"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/kehu-fit"),
        // Every catalogued analysis timed on a warm snapshot, and the snapshot's rows exported for
        // the DuckDB peer, for run-analyses.sh. Only the analytics stack: it builds without the
        // CLI, the server and their dependencies.
        .executableTarget(
            name: "kehu-analyses",
            dependencies: [
                "KehuStopwatch", kehuProduct("KehuModel"), kehuProduct("KehuStore"), kehuProduct("KehuAnalytics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/kehu-analyses"),
        // Tag computation and audience evaluation timed on a warm snapshot of 10M synthetic
        // consumers (or a workspace's), for docs/performance.md.
        .executableTarget(
            name: "kehu-activation",
            dependencies: [
                kehuProduct("KehuModel"), kehuProduct("KehuStore"), kehuProduct("KehuAnalytics"), kehuProduct("KehuActivation"),
            ],
            path: "Sources/kehu-activation"),

        // The custom metrics (events/s, bytes/event) the ordo-one benchmarks record.
        .target(
            name: "FoundationMetrics",
            dependencies: [.product(name: "Benchmark", package: "benchmark")],
            path: "Sources/FoundationMetrics"),

        // ordo-one benchmarks: `swift package benchmark --target <name>`.
        .executableTarget(
            name: "GeneratorBenchmarks",
            dependencies: benchmarkDependencies,
            path: "Benchmarks/GeneratorBenchmarks",
            plugins: [benchmarkPlugin]),
        .executableTarget(
            name: "IngestBenchmarks",
            dependencies: benchmarkDependencies,
            path: "Benchmarks/IngestBenchmarks",
            plugins: [benchmarkPlugin]),
        .executableTarget(
            name: "SnapshotBenchmarks",
            dependencies: benchmarkDependencies,
            path: "Benchmarks/SnapshotBenchmarks",
            plugins: [benchmarkPlugin]),
    ],
    swiftLanguageModes: [.v6]
)
