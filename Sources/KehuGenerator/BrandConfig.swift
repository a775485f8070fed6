import KehuModel

/// What to simulate: how many consumers, over which days, from which seed.
///
/// The same configuration always produces byte-identical output, on any machine and with any
/// number of threads. The range ends on a fixed day (not today) for the same reason.
public struct BrandConfig: Sendable, Hashable {
    /// Number of simulated consumers (1 ... 100,000,000).
    public var consumers: Int
    /// Length of the range in days (1 ... 3,650).
    public var days: Int
    /// The last day of the range (inclusive), in ``zone``.
    public var endDay: Day
    /// The seed; every random choice derives from it.
    public var seed: UInt64
    /// The brand's time zone: days, campaign dates and times of day are local to it.
    public var zone: ZoneRules
    /// Target average number of events per consumer per 365 days of range (1 ... 10,000). The
    /// simulator calibrates its session rate to it on a pilot population, so the output comes
    /// within a few percent for any range. A higher rate means busier consumers with the same
    /// funnel, not more buyers.
    public var eventsPerConsumerYear: Double
    /// Offline stores (`pos`); each has one in-store guide tablet whose `device:` key is shared by
    /// every consumer the guide serves there (1 ... 9,999).
    public var stores: Int

    /// 2026-11-20: the default last day, just after 双11 2026.
    public static let defaultEndDay = Day(year: 2026, month: 11, day: 20)

    /// 10,000 consumers over the 365 days ending 2026-11-20, seed 1, Asia/Shanghai, 50 events per
    /// consumer-year, 5 stores.
    public static let `default` = BrandConfig()

    /// - Parameter stores: defaults to one store per 2,000 consumers (at least one), so each guide
    ///   tablet serves on the order of a hundred consumers.
    public init(
        consumers: Int = 10_000, days: Int = 365, endDay: Day = BrandConfig.defaultEndDay, seed: UInt64 = 1,
        zone: ZoneRules = .shanghai, eventsPerConsumerYear: Double = 50, stores: Int? = nil
    ) {
        self.consumers = consumers
        self.days = days
        self.endDay = endDay
        self.seed = seed
        self.zone = zone
        self.eventsPerConsumerYear = eventsPerConsumerYear
        self.stores = stores ?? min(9_999, max(1, consumers / 2_000))
    }

    /// The simulated days, `endDay - days + 1 ... endDay`.
    public var range: DayRange { DayRange(ending: endDay, days: days) }

    /// Throws a ``GeneratorError/invalidConfiguration(_:)`` naming the first bad setting.
    public func validate() throws(GeneratorError) {
        guard (1...100_000_000).contains(consumers) else {
            throw .invalidConfiguration("consumers must be between 1 and 100000000 (got \(consumers))")
        }
        guard (1...3_650).contains(days) else {
            throw .invalidConfiguration("days must be between 1 and 3650 (got \(days))")
        }
        guard eventsPerConsumerYear.isFinite, (1...10_000).contains(eventsPerConsumerYear) else {
            throw .invalidConfiguration(
                "events per consumer-year must be between 1 and 10000 (got \(eventsPerConsumerYear))")
        }
        guard (1...9_999).contains(stores) else {
            throw .invalidConfiguration("stores must be between 1 and 9999 (got \(stores))")
        }
        let earliest = Day(year: 1971, month: 1, day: 1)
        let latest = Day(year: 2099, month: 12, day: 31)
        guard range.first >= earliest, endDay <= latest else {
            throw .invalidConfiguration("the range \(range) must lie between \(earliest) and \(latest)")
        }
    }
}
