/// How purchases are grouped into periods and how times are measured, matching the options of
/// lifetimes' `summary_data_from_transaction_data`.
public enum SummaryTimeScale: String, Sendable, Hashable, CaseIterable, Codable {
    /// Periods are calendar days; times in days (lifetimes `freq="D"`).
    case days
    /// Periods are calendar days; times in days / 7 (lifetimes `freq="D", freq_multiplier=7`).
    /// This is how Fader & Hardie built the published CDNOW summary (T = 38.86 weeks for a
    /// customer who first bought on 1997-01-01, with calibration ending 1997-09-30).
    case weeks
    /// Periods are Monday-to-Sunday weeks; times in whole weeks between the Mondays
    /// (lifetimes `freq="W"`, pandas' weeks ending on Sunday).
    case calendarWeeks

    /// The unit of the resulting recency and T, for lifetime value.
    public var timeUnit: TimeUnit {
        switch self {
        case .days: .days
        case .weeks, .calendarWeeks: .weeks
        }
    }

    /// The period a day belongs to.
    func period(ofDay day: Int) -> Int {
        switch self {
        case .days, .weeks:
            return day
        case .calendarWeeks:
            // 1970-01-05 (day 4) was a Monday; floor division keeps days before it right.
            let shifted = day - 4
            return shifted >= 0 ? shifted / 7 : -((-shifted + 6) / 7)
        }
    }

    /// Periods per time unit.
    var periodsPerUnit: Double {
        self == .weeks ? 7 : 1
    }

    /// The time between two periods, in this scale's unit.
    func duration(fromPeriod start: Int, toPeriod end: Int) -> Double {
        Double(end - start) / periodsPerUnit
    }
}
