import Benchmark
import FoundationMetrics
import KehuCommands
import KehuIngest
import KehuStore
import KehuWorkloads

/// Canonical CSV ingest through the real path: `FileIngest.run` (exactly what `kehu ingest`
/// does before its optional compaction) into a fresh workspace per iteration, plus `decodeFile`
/// alone to show how much of it is parsing. Target: at least 2M events/s.
///
/// The CSV (`KEHU_BENCH_EVENTS` events, default 10M) is generated once in setup and kept under
/// `KEHU_BENCH_DIR` (default /tmp/kehu-bench) for later runs.
let benchmarks: @Sendable () -> Void = {
    let events = BenchmarkSettings.events
    let size = EventCount.short(events)
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .writeBytesLogical, FoundationMetrics.eventsPerSecond],
        warmupIterations: 0, maxDuration: .seconds(90), maxIterations: 5)

    Benchmark("CSV decode \(size)", configuration: configuration) { benchmark, csv in
        do {
            var decoded = 0
            benchmark.startMeasurement()
            let watch = Stopwatch()
            try decodeFile(path: csv.path, format: .csv, options: DecodeOptions()) { chunk in decoded += chunk.batch.count }
            let seconds = watch.seconds
            benchmark.stopMeasurement()
            benchmark.measurement(FoundationMetrics.eventsPerSecond, Int(Double(decoded) / seconds))
        } catch {
            benchmark.error("CSV decode failed: \(error)")
        }
    } setup: {
        try CanonicalCSVFile.prepare(events: events)
    }

    Benchmark("CSV ingest \(size)", configuration: configuration) { benchmark, csv in
        do {
            let directory = try Scratch.freshDirectory("ingest")
            defer { Scratch.remove(directory) }
            let workspace = try Workspace(dataDirectory: directory, name: "default", create: true)
            benchmark.startMeasurement()
            let outcome = try FileIngest.run(
                files: [csv.path], format: .csv, mapping: nil, channel: nil, strict: false, chunkSize: 262_144,
                into: workspace, quiet: true)
            benchmark.stopMeasurement()
            benchmark.measurement(FoundationMetrics.eventsPerSecond, Int(Double(outcome.read) / outcome.seconds))
        } catch {
            benchmark.error("CSV ingest failed: \(error)")
        }
    } setup: {
        try CanonicalCSVFile.prepare(events: events)
    }
}
