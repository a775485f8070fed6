/// The unit that recency, T and BG/NBD's α are measured in, for turning months into model time.
public enum TimeUnit: String, Sendable, Hashable, CaseIterable, Codable {
    /// Hours (lifetimes `freq="H"`).
    case hours
    /// Days (lifetimes `freq="D"`).
    case days
    /// Weeks (lifetimes `freq="W"`).
    case weeks
    /// Months (lifetimes `freq="M"`).
    case months

    /// Units in one month, with lifetimes' conversion factors exactly: 720 hours, 30 days,
    /// 4.345 weeks, 1 month.
    public var unitsPerMonth: Double {
        switch self {
        case .hours: 720
        case .days: 30
        case .weeks: 4.345
        case .months: 1
        }
    }
}
