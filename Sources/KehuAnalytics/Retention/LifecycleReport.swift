import Foundation
import KehuModel
import KehuStore

/// Buyer lifecycle per interval (生命周期, DESIGN 4.6): each interval's buyers split into new,
/// returning and resurrecting, and the previous interval's buyers who did not buy again
/// (dormant, shown negative).
///
/// A consumer **buys in** an interval when a paid order's first payment falls in it (orders
/// refunded in full by the as-of day count nowhere). For interval i:
/// - **new** 新客: their first paid order is in i;
/// - **returning** 留存: bought in i - 1 and in i;
/// - **resurrecting** 回流: bought in i, not in i - 1, and before i - 1;
/// - **dormant** 流失: bought in i - 1 and not in i.
/// new + returning + resurrecting = buyers(i); returning(i) + dormant(i) = buyers(i - 1).
public struct LifecycleReport: Report {
    public var workspace: String
    public var period: CalendarPeriod
    /// From the first day of the first interval through the as-of day.
    public var range: DayRange
    public var intervals: [Interval]

    public struct Interval: Sendable, Codable, Hashable {
        public var start: Day
        public var label: String
        public var buyers: Int
        public var new: Int
        public var returning: Int
        public var resurrecting: Int
        /// Negative: buyers of the previous interval lost in this one.
        public var dormant: Int
        /// (new + resurrecting) / |dormant|, the growth quick ratio; nil when no one went dormant.
        public var quickRatio: Double?
        /// False when the interval ends after the as-of day (dormant can still shrink).
        public var complete: Bool
    }

    public var title: String { "Buyer lifecycle (生命周期) per \(period.rawValue) · \(workspace)" }

    public var parameters: [ReportParameter] {
        [ReportParameter("intervals", "\(period.rawValue)s \(range.first)..\(range.last)"), ReportParameter("as of", "\(range.last)")]
    }

    public func tables() -> [TextTable] {
        var table = TextTable(headers: [period.rawValue, "buyers", "new 新客", "returning 留存", "resurrecting 回流", "dormant 流失", "quick ratio"])
        for row in intervals {
            table.rows.append([
                row.label + (row.complete ? "" : "*"), Figures.grouped(row.buyers), Figures.grouped(row.new), Figures.grouped(row.returning),
                Figures.grouped(row.resurrecting), Figures.grouped(row.dormant),
                row.quickRatio.map { String(format: "%.2f", $0) } ?? "-",
            ])
        }
        if intervals.contains(where: { !$0.complete }) {
            table.footnotes.append("* the \(period.rawValue) is not over as of \(range.last): its buyers can still grow and dormant shrink")
        }
        table.footnotes.append("a buyer has a paid order whose first payment is in the \(period.rawValue); quick ratio = (new + resurrecting) / dormant")
        return [table]
    }

    /// The lifecycle of every interval from the one holding `from` (default: 12 intervals
    /// ending the as-of day's) through the one holding `asOf`.
    /// - Complexity: O(paid orders), on all cores.
    public static func compute(_ snapshot: Snapshot, period unit: CalendarPeriod = .month, from: Day? = nil, asOf: Day) -> LifecycleReport {
        let calendar = AnalysisCalendar(snapshot)
        let indices = unit.indices(from: from, to: asOf, defaultCount: 12)
        let count = indices.count
        let asOfEnd = calendar.end(of: asOf)
        let purchases = PurchaseIndex.of(snapshot)
        // Per interval: new, returning, resurrecting, dormant.
        let parts = ConsumerPartitions.map(snapshot, partitions: 16) { range -> [Int] in
            var tally = [Int](repeating: 0, count: count * 4)
            var cursor = PeriodCursor(unit, calendar)
            func add(_ interval: Int, _ column: Int) {
                guard indices.contains(interval) else { return }
                tally[(interval - indices.lowerBound) * 4 + column] += 1
            }
            for c in range {
                var previous = Int.min
                for o in purchases.orders(of: c) {
                    let ts = purchases.payTs[o]
                    guard ts < asOfEnd else { break }
                    guard purchases.isPurchase(o, before: asOfEnd) else { continue }
                    let p = cursor.period(of: ts)
                    if p == previous { continue }
                    if previous == .min {
                        add(p, 0)
                    } else if p == previous + 1 {
                        add(p, 1)
                    } else {
                        add(p, 2)
                        add(previous + 1, 3)
                    }
                    previous = p
                }
                if previous != .min { add(previous + 1, 3) }
            }
            return tally
        }
        var tally = [Int](repeating: 0, count: count * 4)
        for part in parts { for k in 0..<tally.count { tally[k] += part[k] } }
        let intervals = (0..<count).map { r in
            let index = indices.lowerBound + r
            let (new, returning, resurrecting, dormant) = (tally[r * 4], tally[r * 4 + 1], tally[r * 4 + 2], tally[r * 4 + 3])
            return Interval(
                start: unit.firstDay(of: index), label: unit.label(of: index), buyers: new + returning + resurrecting, new: new,
                returning: returning, resurrecting: resurrecting, dormant: -dormant,
                quickRatio: dormant > 0 ? Double(new + resurrecting) / Double(dormant) : nil,
                complete: unit.lastDay(of: index) <= asOf)
        }
        return LifecycleReport(workspace: snapshot.workspace, period: unit, range: DayRange(unit.firstDay(of: indices.lowerBound), asOf), intervals: intervals)
    }
}

extension Analysis {
    public static let lifecycle = Analysis(
        name: "lifecycle", title: "Buyer lifecycle",
        summary: "Per week or month: new, returning, resurrecting and dormant buyers, and the growth quick ratio.",
        parameters: [
            AnalysisParameter("period", .choice, help: "Intervals: ISO weeks (Monday) or calendar months.", default: "month", choices: CalendarPeriod.allCases.map(\.rawValue)),
            AnalysisParameter("from", .day, help: "A day in the first interval (default: 12 intervals ending --to)."),
            AnalysisParameter("to", .day, help: "The as-of day (default: the last day with data)."),
        ]
    ) { snapshot, arguments throws(AnalysisError) in
        let asOf = try arguments.asOf("to", in: snapshot)
        let from = try arguments.day("from")
        if let from, from > asOf { throw .invalidParameter(parameter: "from", value: "\(from)", reason: "the first interval starts after --to (\(asOf))") }
        return LifecycleReport.compute(snapshot, period: try arguments.choice("period", default: CalendarPeriod.month), from: from, asOf: asOf)
    }
}
