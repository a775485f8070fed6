import ArgumentParser
import Foundation
import KehuModel
import KehuStore
import KehuWorkloads

/// One-shot measurements of Kehu's foundation, each printed as one JSON object on standard
/// output (progress goes to standard error). `Benchmarks/run-foundation.sh` runs them beside
/// `kehu generate`, `kehu ingest` and DuckDB and prints the table.
@main
struct KehuMeasure: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kehu-measure",
        abstract: "Measure the generator, the ingest stages and snapshot builds; print JSON.",
        subcommands: [BrandCommand.self, GenerateBatches.self, IngestStagesCommand.self, SnapshotCommand.self, BuildStore.self])
}

/// `--events 10M`.
struct EventsOption: ParsableArguments {
    @Option(help: "Events to simulate (about; e.g. 10M, 500k).", transform: { text in
        guard let count = EventCount.parse(text) else {
            throw ValidationError("--events: '\(text)' is not a positive count; write e.g. 10M, 500k or 2000000.")
        }
        return count
    })
    var events: Int = 10_000_000
}

func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

struct BrandCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "brand", abstract: "The kehu generate settings that give about --events events.")

    @OptionGroup var size: EventsOption

    struct Result: Codable {
        var consumers: Int
        var days: Int
        var seed: UInt64
    }

    func run() throws {
        try printJSON(Result(
            consumers: BenchmarkBrand.consumers(forEvents: size.events), days: BenchmarkBrand.days, seed: BenchmarkBrand.seed))
    }
}

struct GenerateBatches: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-batches", abstract: "Time BrandSimulator.forEachChunk (batches, nothing written).")

    @OptionGroup var size: EventsOption

    @Option(help: "Events per batch.")
    var chunkSize: Int = 262_144

    @Option(help: "Threads to simulate on (0: every core).")
    var threads: Int = 0

    struct Result: Codable {
        var events: Int
        var consumers: Int
        var seconds: Double
        var eventsPerSecond: Double
        var peakResidentBytes: Int
    }

    func run() throws {
        let simulator = try BenchmarkBrand.simulator(events: size.events)
        var events = 0
        let (summary, seconds) = Stopwatch.time {
            simulator.forEachChunk(maxEvents: chunkSize, threads: threads) { (batch: EventBatch) in events += batch.count }
        }
        try printJSON(Result(
            events: events, consumers: summary.consumers, seconds: seconds, eventsPerSecond: Double(events) / seconds,
            peakResidentBytes: ResidentMemory.peak() ?? 0))
    }
}

struct IngestStagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages",
        abstract: "Split a CSV ingest into read, decode, key hashing, session add and commit; then time FileIngest.run.")

    @Option(help: "The canonical CSV file.")
    var csv: String

    @Option(help: "Events per chunk (kehu ingest's default).")
    var chunkSize: Int = 262_144

    func run() throws {
        try printJSON(try IngestStages.measure(csv: csv, chunkSize: chunkSize))
    }
}

struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Build a workspace's snapshot: seconds, Snapshot.byteCount and resident memory growth per event.")

    @Option(help: ArgumentHelp("The data directory.", valueName: "dir"))
    var data: String

    @Option(help: "The workspace.")
    var workspace: String = "default"

    @Option(help: "Builds to time; memory is measured on the first, the time reported is the median.")
    var builds: Int = 1

    struct Result: Codable {
        var first: SnapshotMeasurement
        var buildSeconds: [Double]
        var medianSeconds: Double
        var eventsPerSecond: Double
    }

    func validate() throws {
        guard builds >= 1 else { throw ValidationError("--builds must be at least 1.") }
    }

    func run() throws {
        let (first, firstSnapshot) = try SnapshotMeasurement.measure(dataDirectory: data, workspace: workspace)
        // Each build after the first releases the previous snapshot first, as SnapshotCache does.
        var snapshot: Snapshot? = firstSnapshot
        Terminal.note("snapshot: \(first.events) events, \(String(format: "%.2f", first.seconds)) s")
        var seconds = [first.seconds]
        for _ in 1..<builds {
            snapshot = nil
            let again = try SnapshotMeasurement.measure(dataDirectory: data, workspace: workspace)
            snapshot = again.1
            seconds.append(again.0.seconds)
            Terminal.note("snapshot: \(String(format: "%.2f", again.0.seconds)) s")
        }
        withExtendedLifetime(snapshot) {}
        let median = seconds.sorted()[seconds.count / 2]
        try printJSON(Result(
            first: first, buildSeconds: seconds, medianSeconds: median, eventsPerSecond: Double(first.events) / median))
    }
}

struct BuildStore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build-store",
        abstract: "Fill a new workspace from generator batches through KeyHasher and IngestSession, then compact.")

    @OptionGroup var size: EventsOption

    @Option(help: ArgumentHelp("The data directory (the workspace must not exist yet).", valueName: "dir"))
    var data: String

    @Flag(help: "Leave the level-0 segments as written (kehu ingest --no-compact).")
    var noCompact = false

    func run() throws {
        var next = 10_000_000
        let store = try GeneratedStore.build(events: size.events, dataDirectory: data, compact: !noCompact) { done in
            if done >= next {
                Terminal.note("build-store: \(done) events")
                next += 10_000_000
            }
        }
        try printJSON(store)
    }
}

enum Terminal {
    static func note(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
