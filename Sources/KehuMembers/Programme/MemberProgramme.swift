import KehuModel

/// A membership programme (会员体系): tiers with their thresholds and benefits, the earn rule and
/// the expiry rule. Set from a programme file (``ProgrammeFile``) and stored as JSON in the
/// workspace's catalogue; the latest one set is in force. docs/members.md has the rules in full.
public struct MemberProgramme: Sendable, Codable, Hashable {
    /// What a tier threshold is measured in.
    public enum Basis: String, Sendable, Codable, Hashable, CaseIterable {
        /// Net paid amount (fen) of the member's purchases over the rolling window.
        case spend
        /// Points earned (earn entries, less refund reversals of those orders) over the rolling window.
        case points
    }

    /// One tier (等级), lowest first.
    public struct Tier: Sendable, Codable, Hashable {
        /// A short stable code (`silver`), stored on members and in the tier history.
        public var code: String
        /// The name members see (`银卡`).
        public var name: String
        /// The qualifying value needed: fen for `spend`, points for `points`. The first tier's is 0.
        public var threshold: Int64
        /// Points multiplier on earning, in percent (150 = 1.5x).
        public var multiplierPercent: Int64
        /// Benefits (权益), as text.
        public var benefits: [String]

        public init(code: String, name: String, threshold: Int64, multiplierPercent: Int64 = 100, benefits: [String] = []) {
            self.code = code
            self.name = name
            self.threshold = threshold
            self.multiplierPercent = multiplierPercent
            self.benefits = benefits
        }
    }

    /// A day of the year (`07-01`) on which downgrades are reviewed.
    public struct ReviewDate: Sendable, Codable, Hashable, CustomStringConvertible {
        public var month: Int
        public var day: Int

        public init(month: Int, day: Int) {
            self.month = month
            self.day = day
        }

        public var description: String { (month < 10 ? "0" : "") + "\(month)-" + (day < 10 ? "0" : "") + "\(day)" }
    }

    public var name: String
    public var basis: Basis
    /// The rolling window of the qualifying value, in days ending the evaluation day.
    public var windowDays: Int
    /// Downgrades happen only on these days of each year.
    public var reviewDates: [ReviewDate]
    /// A tier reached this many days or fewer before a review day is kept at that review (保级期).
    public var graceDays: Int
    /// Earn `earnPoints` points for every `earnYuan` yuan of an order's net paid amount.
    public var earnPoints: Int64
    public var earnYuan: Int64
    /// Points expire at the end of the `expiryMonths`-th calendar month after the month they were
    /// earned in; 0 means points never expire.
    public var expiryMonths: Int
    /// Lowest first; the first has threshold 0 and is every new member's tier.
    public var tiers: [Tier]

    public init(
        name: String, basis: Basis, windowDays: Int = 365, reviewDates: [ReviewDate] = [], graceDays: Int = 0,
        earnPoints: Int64 = 1, earnYuan: Int64 = 1, expiryMonths: Int = 12, tiers: [Tier]
    ) {
        self.name = name
        self.basis = basis
        self.windowDays = windowDays
        self.reviewDates = reviewDates
        self.graceDays = graceDays
        self.earnPoints = earnPoints
        self.earnYuan = earnYuan
        self.expiryMonths = expiryMonths
        self.tiers = tiers
    }

    /// The base tier every new member starts in.
    public var baseTier: Tier { tiers[0] }

    /// The index of the tier with `code`, or nil when the programme has no such tier (a member
    /// whose tier was dropped from the programme is evaluated as if in the base tier).
    public func index(ofTier code: String) -> Int? { tiers.firstIndex { $0.code == code } }

    /// The highest tier whose threshold `qualifying` reaches (at or above it).
    public func qualifiedTier(_ qualifying: Int64) -> Int {
        var best = 0
        for (i, tier) in tiers.enumerated() where qualifying >= tier.threshold { best = i }
        return best
    }

    /// The earn rate for a tier as a fraction: points = ⌊net fen × `points` / `fen`⌋.
    public func earnRate(tier: Int) -> (points: Int64, fen: Int64) {
        (earnPoints * tiers[tier].multiplierPercent, earnYuan * 100 * 100)
    }

    /// Points an order earns: its net paid amount times the rate, rounded down to a whole point.
    /// ¥199.99 at 1 point per yuan and 150%: ⌊19 999 × 150 / 10 000⌋ = ⌊299.985⌋ = 299.
    public static func points(netFen: Int64, rate: (points: Int64, fen: Int64)) -> Int64 {
        guard netFen > 0, rate.points > 0, rate.fen > 0 else { return 0 }
        let (product, overflow) = netFen.multipliedReportingOverflow(by: rate.points)
        if overflow {
            // Beyond ¥10^12 × 1000 points: divide first (exact enough at that size, and never more).
            return netFen / rate.fen * rate.points
        }
        return product / rate.fen
    }

    /// The last day on which points earned on `day` can be used, or nil when they never expire.
    public func expiresOn(earnedOn day: Day) -> Day? {
        guard expiryMonths > 0 else { return nil }
        let civil = day.civil
        let months = civil.year * 12 + (civil.month - 1) + expiryMonths + 1
        // The first day of the month after, less one day.
        return Day(year: months / 12, month: months % 12 + 1, day: 1).advanced(by: -1)
    }

    /// The latest review day in `(after, through]`, or nil. With no `after` (the first tier
    /// evaluation), there is none: reviews apply from the second evaluation on.
    public func latestReview(after: Day?, through: Day) -> Day? {
        guard let after, after < through, !reviewDates.isEmpty else { return nil }
        var year = through.civil.year
        while year >= after.civil.year {
            let candidates = reviewDates.map { Day(year: year, month: $0.month, day: $0.day) }
                .filter { $0 > after && $0 <= through }
            if let latest = candidates.max() { return latest }
            year -= 1
        }
        return nil
    }

    /// `value` as the basis counts it: `¥1,000.00` or `1,000 points`.
    public func format(qualifying value: Int64) -> String {
        switch basis {
        case .spend: Money.format(fen: value)
        case .points: "\(value) points"
        }
    }
}
