import KehuModel
import KehuStore

/// The FAST rules (DESIGN 4.2) with their defaults.
public struct FASTRules: Sendable, Hashable, Codable {
    /// A (Advancing) compares each consumer's stage at the end of the as-of day with their stage
    /// this many days earlier, at the start of the period.
    public var periodDays: Int
    /// T (Thriving): a member is active with an activity event within this many days.
    public var activeDays: Int
    /// The AIPL rules the stages follow.
    public var stages: AIPLRules

    public init(periodDays: Int = 30, activeDays: Int = 180, stages: AIPLRules = .standard) {
        self.periodDays = periodDays
        self.activeDays = activeDays
        self.stages = stages
    }

    public static let standard = FASTRules()

    /// Kinds that make a member active for T: cart, favorite, coupon or benefit claim
    /// (`coupon_claim`), points, interaction, and purchase (`pay`).
    public static let activityKinds: UInt64 = [EventKind.cart, .favorite, .couponClaim, .points, .interact, .pay]
        .reduce(0) { $0 | (1 << UInt64($1.rawValue)) }

    public var reportParameters: [ReportParameter] {
        [ReportParameter("period", "\(periodDays)d"), ReportParameter("active window", "\(activeDays)d")]
            + stages.reportParameters
    }

    public static let analysisParameters: [AnalysisParameter] = [
        AnalysisParameter(
            "period-days", .integer, help: "A: compare each consumer's stage with their stage this many days earlier.", default: "30"),
        AnalysisParameter(
            "active-days", .integer, help: "T: a member is active with a cart, favorite, coupon_claim, points, interact or pay event within this many days.",
            default: "180"),
    ] + AIPLRules.analysisParameters

    /// The rules from `period-days`, `active-days` and the AIPL rule parameters.
    public init(_ arguments: AnalysisArguments) throws(AnalysisError) {
        self.init(
            periodDays: try arguments.integer("period-days", default: 30, in: 1...3_650),
            activeDays: try arguments.integer("active-days", default: 180, in: 1...3_650),
            stages: try AIPLRules(arguments))
    }
}

/// The four FAST figures as of one day (DESIGN 4.2, FAST 消费者健康度).
public struct FASTFigures: Sendable, Codable, Hashable {
    /// The day the figures are as of.
    public var day: Day
    /// The day whose end starts the period: stages "at the period start" are as of this day.
    public var periodStart: Day
    /// F (Fertility, 可运营人群总量): consumers in A, I, P or L at the end of `day`.
    public var fertility: Int
    /// Consumers in A, I, P, L at the end of `day`.
    public var aware: Int
    public var interested: Int
    public var purchased: Int
    public var loyal: Int
    /// A (Advancing, 人群转化率): consumers in A, I or P at the period start whose stage at `day`
    /// is deeper ...
    public var advancingConsumers: Int
    /// ... among the consumers in A, I or P at the period start.
    public var advancingBase: Int
    /// S (Superiority, 超级用户数): members (a `member_join` with no later `member_leave`) as of `day`.
    public var members: Int
    /// T (Thriving, 超级用户活跃率): members with an activity event in the active window ...
    public var activeMembers: Int

    /// advancingConsumers / advancingBase; nil with no base.
    public var advancingRate: Double?
    /// activeMembers / members; nil with no members.
    public var thrivingRate: Double?

    public init(
        day: Day, periodStart: Day, fertility: Int, aware: Int, interested: Int, purchased: Int, loyal: Int,
        advancingConsumers: Int, advancingBase: Int, members: Int, activeMembers: Int
    ) {
        self.day = day
        self.periodStart = periodStart
        self.fertility = fertility
        self.aware = aware
        self.interested = interested
        self.purchased = purchased
        self.loyal = loyal
        self.advancingConsumers = advancingConsumers
        self.advancingBase = advancingBase
        self.members = members
        self.activeMembers = activeMembers
        advancingRate = advancingBase > 0 ? Double(advancingConsumers) / Double(advancingBase) : nil
        thrivingRate = members > 0 ? Double(activeMembers) / Double(members) : nil
    }

    /// The figures as of each of `days` (ascending or not), from one stage pass over the days and
    /// their period starts, and one membership pass.
    /// - Complexity: O(events + consumers x days), on all cores.
    public static func compute(_ snapshot: Snapshot, at days: [Day], rules: FASTRules = .standard) -> [FASTFigures] {
        let count = days.count
        let starts = days.map { $0.advanced(by: -rules.periodDays) }
        // Stages per consumer: the period starts first, then the days.
        let stageParts = AIPLStages.trace(
            snapshot, at: starts + days, rules: rules.stages, initial: { [Int](repeating: 0, count: count * 7) }
        ) { tally, _, stages in
            // Per day: none, A, I, P, L at the day; advancing consumers; advancing base.
            for k in 0..<count {
                let before = stages[k]
                let after = stages[count &+ k]
                tally[k &* 7 &+ Int(after.rawValue)] &+= 1
                if before != .none && before != .loyal {
                    tally[k &* 7 &+ 6] &+= 1
                    if after > before { tally[k &* 7 &+ 5] &+= 1 }
                }
            }
        }
        var stageTotal = [Int](repeating: 0, count: count * 7)
        for part in stageParts {
            for i in 0..<stageTotal.count { stageTotal[i] += part[i] }
        }
        let membership = members(snapshot, at: days, activeDays: rules.activeDays)
        return (0..<count).map { k in
            let t = Array(stageTotal[k * 7..<k * 7 + 7])
            return FASTFigures(
                day: days[k], periodStart: starts[k], fertility: t[1] + t[2] + t[3] + t[4], aware: t[1], interested: t[2],
                purchased: t[3], loyal: t[4], advancingConsumers: t[5], advancingBase: t[6], members: membership[k].members,
                activeMembers: membership[k].active)
        }
    }

    /// Members and active members as of each day: a consumer is a member when their last
    /// `member_join` or `member_leave` by the end of the day is a join (at equal instants the leave
    /// comes after the join, so it wins), and active with an activity event in the `activeDays`
    /// days ending the day.
    static func members(_ snapshot: Snapshot, at days: [Day], activeDays: Int) -> [(members: Int, active: Int)] {
        let calendar = AnalysisCalendar(snapshot)
        let order = days.indices.sorted { days[$0] < days[$1] }
        let ends = order.map { calendar.end(of: days[$0]) }
        let activeStarts = order.map { calendar.window(days: activeDays, ending: days[$0]).lowerBound }
        let join = UInt64(1) << UInt64(EventKind.memberJoin.rawValue)
        let leave = UInt64(1) << UInt64(EventKind.memberLeave.rawValue)
        let activity = FASTRules.activityKinds
        let samples = days.count
        let parts = ConsumerPartitions.map(snapshot, partitions: 8) { range -> [Int] in
            var tally = [Int](repeating: 0, count: samples * 2)
            snapshot.ts.withUnsafeBufferPointer { ts in
                snapshot.kind.withUnsafeBufferPointer { kind in
                    snapshot.eventStart.withUnsafeBufferPointer { eventStart in
                        for c in range {
                            var i = Int(eventStart[c])
                            let last = Int(eventStart[c &+ 1])
                            var member = false
                            var lastActive = Int64.min
                            for k in 0..<samples {
                                let end = ends[k]
                                while i < last {
                                    let t = ts[i]
                                    if t >= end { break }
                                    let bit = UInt64(1) &<< UInt64(kind[i].rawValue)
                                    if bit & join != 0 { member = true } else if bit & leave != 0 { member = false }
                                    if bit & activity != 0 { lastActive = t }
                                    i &+= 1
                                }
                                if member {
                                    tally[k &* 2] &+= 1
                                    if lastActive >= activeStarts[k] { tally[k &* 2 &+ 1] &+= 1 }
                                }
                            }
                        }
                    }
                }
            }
            return tally
        }
        var sorted = [(members: Int, active: Int)](repeating: (0, 0), count: samples)
        for part in parts {
            for k in 0..<samples {
                sorted[k].members += part[k * 2]
                sorted[k].active += part[k * 2 + 1]
            }
        }
        var result = sorted
        for (k, original) in order.enumerated() { result[original] = sorted[k] }
        return result
    }
}
