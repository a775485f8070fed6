import KehuModel
import KehuStore

/// How a trend samples a period: at the end of every day, or at the end of every ISO week
/// (Monday to Sunday).
public enum TrendInterval: String, Sendable, Codable, CaseIterable {
    case day, week

    /// The default length of a trend ending on a day: 30 days, or 12 weeks.
    public var defaultDays: Int { self == .day ? 30 : 12 * 7 }
}

/// The days a trend is sampled at: each day of the period, or the last day of each ISO week that
/// overlaps it (the period's last day for a week that runs past it).
public struct TrendSamples: Sendable, Hashable, Codable {
    public struct Point: Sendable, Hashable, Codable {
        /// The day the figures are as of.
        public var day: Day
        /// The ISO week (`2026-W47`) for weekly trends.
        public var week: String?
    }

    public var interval: TrendInterval
    public var period: DayRange
    public var points: [Point]

    /// The most points a trend takes.
    public static let maximumPoints = 1_000

    public init(_ interval: TrendInterval, period: DayRange) {
        self.interval = interval
        self.period = period
        switch interval {
        case .day:
            points = (0..<period.dayCount).map { Point(day: period.first.advanced(by: $0), week: nil) }
        case .week:
            var points: [Point] = []
            var day = period.first
            while day <= period.last {
                let sunday = day.advanced(by: 7 - day.isoWeekday)
                let sample = min(sunday, period.last)
                points.append(Point(day: sample, week: Self.isoWeek(sample)))
                day = sunday.advanced(by: 1)
            }
            self.points = points
        }
    }

    public var days: [Day] { points.map(\.day) }

    /// The ISO 8601 week of a day, `YYYY-Www`: weeks start on Monday, and week 1 holds the year's
    /// first Thursday.
    public static func isoWeek(_ day: Day) -> String {
        let thursday = day.advanced(by: 4 - day.isoWeekday)
        let year = thursday.civil.year
        let week = (Day(year: year, month: 1, day: 1).distance(to: thursday)) / 7 + 1
        return "\(year)-W" + (week < 10 ? "0" : "") + "\(week)"
    }
}

extension AnalysisArguments {
    /// The `trend` interval and the `from` / `to` period it covers: `to` defaults to the last day
    /// with data, `from` to 30 days (daily) or 12 ISO weeks (weekly, from the Monday) before it.
    public func trendSamples(in snapshot: Snapshot) throws(AnalysisError) -> TrendSamples {
        let interval = try choice("trend", default: TrendInterval.day)
        var period = try self.period(defaultDays: interval.defaultDays, in: snapshot)
        if interval == .week && string("from") == nil {
            // Twelve whole ISO weeks: from the Monday eleven weeks before the week of `to`.
            period.first = period.last.advanced(by: -(period.last.isoWeekday - 1) - 11 * 7)
        }
        let samples = TrendSamples(interval, period: period)
        guard samples.points.count <= TrendSamples.maximumPoints else {
            throw .invalidParameter(
                parameter: "from", value: "\(period.first)",
                reason: "a trend takes at most \(TrendSamples.maximumPoints) points; this period has \(samples.points.count) \(interval.rawValue)s")
        }
        return samples
    }
}
