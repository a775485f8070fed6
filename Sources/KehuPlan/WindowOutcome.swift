import KehuAnalytics
import KehuModel
import KehuStore

/// Who started a window in which group, and what each group bought in it: the measurement both
/// the reference of a gap plan and the actual side of a backtest rest on.
public struct WindowOutcome: Sendable, Hashable, Codable {
    public var window: DayRange
    /// The day the groups are taken at: the day before the window.
    public var stagesAsOf: Day
    public var groups: [Row]

    public struct Row: Sendable, Hashable, Codable {
        public var group: PlanGroup
        /// Consumers in the group at the start (for `new`: first seen during the window).
        public var consumers: Int
        /// Of them, consumers with a payment in the window.
        public var buyers: Int
        /// Their payments in the window, fen.
        public var gmvFen: Int64
    }

    public func row(_ group: PlanGroup) -> Row { groups[group.rawValue] }
    public var buyers: Int { groups.reduce(0) { $0 + $1.buyers } }
    public var gmvFen: Int64 { groups.reduce(0) { $0 + $1.gmvFen } }

    /// Measures a window: each consumer's stage as of the day before it (AIPL rules), and their
    /// buyers and GMV in it (a buyer has a `pay` event in the window; GMV is the sum of those
    /// payments). Consumers first seen after the window are not counted.
    /// - Complexity: O(events) on all cores.
    public static func measure(_ snapshot: Snapshot, window: DayRange, rules: AIPLRules) -> WindowOutcome {
        let before = window.first.advanced(by: -1)
        let stages = AIPLStages.compute(snapshot, asOf: before, rules: rules)
        let calendar = AnalysisCalendar(snapshot)
        let start = calendar.start(of: window.first)
        let end = calendar.end(of: window.last)
        struct Tally: Sendable {
            var consumers = [Int](repeating: 0, count: PlanGroup.allCases.count)
            var buyers = [Int](repeating: 0, count: PlanGroup.allCases.count)
            var gmv = [Int64](repeating: 0, count: PlanGroup.allCases.count)
        }
        let parts = ConsumerPartitions.map(snapshot, partitions: 8) { range -> Tally in
            var tally = Tally()
            for c in range {
                let rows = snapshot.events(of: c)
                guard !rows.isEmpty, snapshot.ts[rows.lowerBound] < end else { continue }
                let group = snapshot.ts[rows.lowerBound] < start ? PlanGroup(stages[c]) : .newToBrand
                var paid = false
                var gmv: Int64 = 0
                var i = snapshot.firstEvent(of: c, atOrAfter: start)
                while i < rows.upperBound && snapshot.ts[i] < end {
                    if snapshot.kind[i] == .pay {
                        paid = true
                        gmv += snapshot.amount(i) ?? 0
                    }
                    i += 1
                }
                tally.consumers[group.rawValue] += 1
                if paid {
                    tally.buyers[group.rawValue] += 1
                    tally.gmv[group.rawValue] += gmv
                }
            }
            return tally
        }
        let groups = PlanGroup.allCases.map { group in
            Row(
                group: group, consumers: parts.reduce(0) { $0 + $1.consumers[group.rawValue] },
                buyers: parts.reduce(0) { $0 + $1.buyers[group.rawValue] },
                gmvFen: parts.reduce(0) { $0 + $1.gmv[group.rawValue] })
        }
        return WindowOutcome(window: window, stagesAsOf: before, groups: groups)
    }
}

/// Consumers per starting group as of a day (the current assets): stage as of `day` for
/// consumers seen by then.
enum CurrentAssets {
    static func count(_ snapshot: Snapshot, asOf day: Day, rules: AIPLRules) -> [Int] {
        let stages = AIPLStages.compute(snapshot, asOf: day, rules: rules)
        let end = AnalysisCalendar(snapshot).end(of: day)
        var counts = [Int](repeating: 0, count: PlanGroup.allCases.count)
        for c in 0..<snapshot.consumerCount {
            let rows = snapshot.events(of: c)
            guard !rows.isEmpty, snapshot.ts[rows.lowerBound] < end else { continue }
            counts[Int(stages[c].rawValue)] += 1
        }
        return counts
    }
}
