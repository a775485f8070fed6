import KehuAnalytics
import KehuModel
import KehuStore

/// Each consumer's best hour to be reached: the hour of day (workspace time zone) at which they
/// engaged most in the recent past, among the hours a plan may send.
///
/// - **Engagement events**: every kind a consumer does themselves (views, clicks, searches,
///   content views, favourites, carts, follows, interactions, trials, coupon claims, joining,
///   orders, payments, reviews, shares); not impressions (the brand chose when to show them),
///   refunds, points changes or leaving membership.
/// - **History**: the ``lookbackDays`` days ending the plan's as-of day, counting only events
///   in the allowed hours.
/// - **Best hour**: the allowed hour with most engagement events; a tie goes to the hour with
///   the most recent event (the newer habit), which separates any two hours.
/// - **Fallback**: a consumer with fewer than ``minimumEvents`` such events gets the
///   audience's best hour: every audience member with at least one event adds their own
///   shares per hour (each member weighs 1 in total, so heavy users do not set everyone's
///   hour), and the hour with the largest sum wins (ties: the earlier hour; the first allowed
///   hour when no member has any event).
public struct BestHours: Sendable {
    public static let lookbackDays = 90
    public static let minimumEvents = 3

    /// Engagement kinds as a bit set over kind raw values.
    public static let engagementKinds: UInt64 = EventKind.allCases.reduce(0) { mask, kind in
        switch kind {
        case .impression, .refund, .points, .memberLeave: mask
        default: mask | (1 << UInt64(kind.rawValue))
        }
    }

    /// The audience's best hour, used for consumers with too little history.
    public let audienceHour: Int
    /// The audience's weight per hour of day (0-23; zero outside the allowed hours).
    public let audienceWeights: [Double]
    /// Per member of the consumer set the hours were computed for, in index order: the hour,
    /// or -1 when the member falls back to ``audienceHour``.
    private let ownHours: [Int8]
    private let members: [Int]
    /// Members that fall back to the audience's hour.
    public let fallbackCount: Int

    /// Computes the best hours of `consumers` as of the end of `asOf`, within `hours`.
    /// - Complexity: O(members + their events in the lookback window).
    public init(_ snapshot: Snapshot, consumers: ConsumerSet, asOf: Day, hours: ClosedRange<Int>) {
        let calendar = AnalysisCalendar(snapshot)
        let window = calendar.window(days: Self.lookbackDays, ending: asOf)
        let members = consumers.members
        var own = [Int8](repeating: -1, count: members.count)
        var weights = [Double](repeating: 0, count: 24)
        var fallbacks = 0
        var counts = [Int](repeating: 0, count: 24)
        var latest = [Int64](repeating: .min, count: 24)
        for (m, c) in members.enumerated() {
            for h in 0..<24 {
                counts[h] = 0
                latest[h] = .min
            }
            var total = 0
            var i = snapshot.firstEvent(of: c, atOrAfter: window.lowerBound)
            let end = snapshot.events(of: c).upperBound
            while i < end, snapshot.ts[i] < window.upperBound {
                defer { i += 1 }
                guard Self.engagementKinds & (1 << UInt64(snapshot.kind[i].rawValue)) != 0 else { continue }
                let h = snapshot.zone.hour(ofUTC: snapshot.ts[i])
                guard hours.contains(h) else { continue }
                counts[h] += 1
                latest[h] = snapshot.ts[i]  // rows are in time order: the last seen is the latest
                total += 1
            }
            if total > 0 {
                for h in hours where counts[h] > 0 { weights[h] += Double(counts[h]) / Double(total) }
            }
            if total >= Self.minimumEvents {
                var best = hours.lowerBound
                for h in hours where (counts[h], latest[h]) > (counts[best], latest[best]) { best = h }
                own[m] = Int8(best)
            } else {
                fallbacks += 1
            }
        }
        var audienceHour = hours.lowerBound
        for h in hours where weights[h] > weights[audienceHour] { audienceHour = h }
        self.audienceHour = audienceHour
        self.audienceWeights = weights
        self.ownHours = own
        self.members = members
        self.fallbackCount = fallbacks
    }

    /// The best hour of consumer `c` (a member of the set the hours were computed for) and
    /// whether it came from their own history.
    /// - Complexity: O(log members).
    public func hour(of c: Int) -> (hour: Int, own: Bool) {
        var low = 0
        var high = members.count
        while low < high {
            let mid = (low + high) >> 1
            if members[mid] < c { low = mid + 1 } else { high = mid }
        }
        precondition(low < members.count && members[low] == c, "consumer \(c) is not in the set the best hours were computed for")
        let own = ownHours[low]
        return own >= 0 ? (Int(own), true) : (audienceHour, false)
    }
}
