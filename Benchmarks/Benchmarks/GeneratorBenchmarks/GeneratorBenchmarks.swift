import Benchmark
import KehuModel
import FoundationMetrics
import KehuWorkloads

/// The simulated brand's speed: batches in memory (what tests, the demo and the 100M store use)
/// and canonical CSV written to disk (`kehu generate`). Target: at least 1M events/s for both.
/// Size: `KEHU_BENCH_EVENTS` (default 10M).
let benchmarks: @Sendable () -> Void = {
    let events = BenchmarkSettings.events
    let size = EventCount.short(events)
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident, FoundationMetrics.eventsPerSecond],
        warmupIterations: 0, maxDuration: .seconds(60), maxIterations: 5)

    Benchmark("Generator batches \(size)", configuration: configuration) { benchmark in
        do {
            let simulator = try BenchmarkBrand.simulator(events: events)
            var produced = 0
            benchmark.startMeasurement()
            let watch = Stopwatch()
            simulator.forEachChunk(maxEvents: 262_144) { (batch: EventBatch) in produced += batch.count }
            let seconds = watch.seconds
            benchmark.stopMeasurement()
            benchmark.measurement(FoundationMetrics.eventsPerSecond, Int(Double(produced) / seconds))
        } catch {
            benchmark.error("generator batches failed: \(error)")
        }
    }

    Benchmark("Generator CSV write \(size)", configuration: configuration) { benchmark in
        do {
            let simulator = try BenchmarkBrand.simulator(events: events)
            let directory = try Scratch.freshDirectory("generate")
            defer { Scratch.remove(directory) }
            benchmark.startMeasurement()
            let watch = Stopwatch()
            let summary = try simulator.writeCSV(to: directory + "/brand.csv")
            let seconds = watch.seconds
            benchmark.stopMeasurement()
            benchmark.measurement(FoundationMetrics.eventsPerSecond, Int(Double(summary.events) / seconds))
        } catch {
            benchmark.error("generator CSV write failed: \(error)")
        }
    }
}
