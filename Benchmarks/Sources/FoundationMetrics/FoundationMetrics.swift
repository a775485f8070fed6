import Benchmark

/// The custom metrics of the foundation benchmarks. ordo-one/benchmark keeps a custom metric by
/// its name, so these names are what baselines and threshold files refer to.
public enum FoundationMetrics {
    /// Events processed per second of the measured work (larger is better).
    public static var eventsPerSecond: BenchmarkMetric {
        .custom("Events/s", polarity: .prefersLarger, useScalingFactor: false)
    }

    /// `Snapshot.byteCount` per event, in hundredths of a byte: 2,400 is the 24 B/event target.
    /// (Metrics are integers; whole bytes would hide a 0.4 B/event change.)
    public static var snapshotBytesPerEventX100: BenchmarkMetric {
        .custom("Snapshot bytes/event x100", polarity: .prefersSmaller, useScalingFactor: false)
    }

    /// Resident memory growth across a snapshot build per event (snapshot alive, scratch freed),
    /// in hundredths of a byte.
    public static var residentGrowthPerEventX100: BenchmarkMetric {
        .custom("RSS growth bytes/event x100", polarity: .prefersSmaller, useScalingFactor: false)
    }

    /// Peak resident memory growth during a snapshot build per event, in hundredths of a byte.
    public static var peakGrowthPerEventX100: BenchmarkMetric {
        .custom("Peak RSS growth bytes/event x100", polarity: .prefersSmaller, useScalingFactor: false)
    }
}
