import KehuGenerator

/// The simulated brand every foundation benchmark uses: two years (730 days) of a brand with
/// seed 7, sized by the number of events wanted.
///
/// The generator is driven by consumers, not events; at these settings a consumer has about
/// 95.7 events (measured: 100,000 consumers give 9,571,454 events), so the consumer count is the
/// events wanted divided by that. The events generated are therefore close to, not exactly, the
/// number asked for; every figure is computed from the events actually produced.
public enum BenchmarkBrand {
    /// Events per simulated consumer over 730 days at the default 50 events per consumer-year.
    public static let eventsPerConsumer = 95.7
    /// The range simulated, in days (the `--days` of `kehu generate`).
    public static let days = 730
    /// The seed (the `--seed` of `kehu generate`).
    public static let seed: UInt64 = 7

    /// The number of consumers that yields about `events` events.
    public static func consumers(forEvents events: Int) -> Int {
        max(1, Int((Double(events) / eventsPerConsumer).rounded()))
    }

    /// The configuration that yields about `events` events.
    public static func config(events: Int) -> BrandConfig {
        BrandConfig(consumers: consumers(forEvents: events), days: days, seed: seed)
    }

    /// The simulator for about `events` events.
    public static func simulator(events: Int) throws -> BrandSimulator {
        try BrandSimulator(config(events: events))
    }
}
