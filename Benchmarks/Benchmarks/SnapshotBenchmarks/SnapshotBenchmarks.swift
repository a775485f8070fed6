import Benchmark
import FoundationMetrics
import KehuStore
import KehuWorkloads

/// Snapshot builds: seconds, `Snapshot.byteCount` per event and the resident memory growth per
/// event. Target: at most 24 bytes per event.
///
/// The store is made once from generator batches (KeyHasher + IngestSession, then compaction as
/// `kehu ingest` does) and kept under `KEHU_BENCH_DIR` (default /tmp/kehu-bench). The default
/// size is `KEHU_BENCH_EVENTS` (10M); the 100M build runs only with `KEHU_BENCH_100M=1`: it
/// needs about 10 GB of disk (6.4 GB once compacted), about 11 GB of RAM at the build's peak, and
/// about 5 minutes to make its store.
let benchmarks: @Sendable () -> Void = {
    let metrics: [BenchmarkMetric] = [
        .wallClock, .cpuTotal, .peakMemoryResident, .peakMemoryResidentDelta, FoundationMetrics.eventsPerSecond,
        FoundationMetrics.snapshotBytesPerEventX100, FoundationMetrics.residentGrowthPerEventX100,
        FoundationMetrics.peakGrowthPerEventX100,
    ]

    func snapshotBenchmark(events: Int, skip: Bool) {
        Benchmark(
            "Snapshot build \(EventCount.short(events))",
            configuration: .init(metrics: metrics, warmupIterations: 0, maxDuration: .seconds(120), maxIterations: 3, skip: skip)
        ) { benchmark, store in
            do {
                benchmark.startMeasurement()
                let (measured, snapshot) = try SnapshotMeasurement.measure(
                    dataDirectory: store.dataDirectory, workspace: store.workspace)
                benchmark.stopMeasurement()
                withExtendedLifetime(snapshot) {}
                benchmark.measurement(FoundationMetrics.eventsPerSecond, Int(Double(measured.events) / measured.seconds))
                benchmark.measurement(FoundationMetrics.snapshotBytesPerEventX100, Int((measured.snapshotBytesPerEvent * 100).rounded()))
                benchmark.measurement(FoundationMetrics.residentGrowthPerEventX100, Int((measured.residentGrowthPerEvent * 100).rounded()))
                benchmark.measurement(FoundationMetrics.peakGrowthPerEventX100, Int((measured.peakGrowthPerEvent * 100).rounded()))
            } catch {
                benchmark.error("snapshot build failed: \(error)")
            }
        } setup: {
            try CachedStore.prepare(events: events)
        }
    }

    snapshotBenchmark(events: BenchmarkSettings.events, skip: false)
    if BenchmarkSettings.events != 100_000_000 {
        snapshotBenchmark(events: 100_000_000, skip: !BenchmarkSettings.includeHundredMillion)
    }
}
