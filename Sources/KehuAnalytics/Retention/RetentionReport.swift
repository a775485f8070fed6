import KehuModel
import KehuStore

/// What starts a consumer's cohort.
public enum RetentionCohort: String, Sendable, Hashable, Codable, CaseIterable {
    /// The first payment of the consumer's first paid order (首购).
    case firstPurchase = "first-purchase"
    /// The consumer's first `view` (首访).
    case firstVisit = "first-visit"
}

/// What counts as coming back.
public enum RetentionReturn: String, Sendable, Hashable, Codable, CaseIterable {
    /// The first payment of a paid order (复购).
    case purchase
    /// A `view` (回访).
    case visit
    /// Any event except `impression` (an ad shown to the consumer is not something they did).
    case any

    /// Whether an event of `kind` counts, for the event-based choices.
    func counts(_ kind: EventKind) -> Bool {
        switch self {
        case .purchase: false
        case .visit: kind == .view
        case .any: kind != .impression
        }
    }
}

/// Cohort retention (留存, DESIGN 4.6): consumers grouped by the week or month of their first
/// purchase or visit; for each later period k, the share of the cohort who came back in it
/// (or, cumulative, in it or any later period).
public struct RetentionReport: Report {
    public var workspace: String
    public var cohortBy: RetentionCohort
    public var period: CalendarPeriod
    public var returnEvent: RetentionReturn
    public var cumulative: Bool
    /// From the first day of the first cohort period through the as-of day.
    public var range: DayRange
    public var cohorts: [Cohort]
    /// Per period k, the retained over the sizes of the cohorts whose period k is complete.
    public var average: [Double?]

    public struct Cohort: Sendable, Codable, Hashable {
        /// First day of the cohort's period.
        public var start: Day
        public var label: String
        public var size: Int
        /// Periods 0 ... the one holding the as-of day. Period 0 is the whole cohort by construction.
        public var periods: [Cell]
    }

    public struct Cell: Sendable, Codable, Hashable {
        public var period: Int
        public var retained: Int
        public var share: Double?
        /// False when the period ends after the as-of day (the figure can still grow).
        public var complete: Bool
    }

    public var title: String { "Retention (留存) by \(cohortBy.rawValue) \(period.rawValue) · \(workspace)" }

    public var parameters: [ReportParameter] {
        [
            ReportParameter("cohorts", "\(cohortBy.rawValue) \(period.rawValue)s \(range.first)..\(range.last)"),
            ReportParameter("return", returnEvent.rawValue),
            ReportParameter("counting", cumulative ? "cumulative (period k or later)" : "in period k"),
            ReportParameter("as of", "\(range.last)"),
        ]
    }

    public func tables() -> [TextTable] {
        let columns = (cohorts.map(\.periods.count).max() ?? 1)
        var table = TextTable(headers: ["cohort", "size"] + (0..<columns).map { "\(period.rawValue) \($0)" })
        var partial = false
        for cohort in cohorts {
            var cells = [cohort.label, Figures.grouped(cohort.size)]
            for cell in cohort.periods {
                cells.append(FunnelReport.percent(cell.share) + (cell.complete ? "" : "*"))
                if !cell.complete { partial = true }
            }
            table.rows.append(cells)
        }
        table.rows.append(["average", ""] + average.map { FunnelReport.percent($0) })
        if partial { table.footnotes.append("* the period is not over as of \(range.last): the figure can still grow") }
        table.footnotes.append("period 0 is the cohort's own \(period.rawValue): 100% by construction; average weighs cohorts by size, complete periods only")
        return [table]
    }

    /// Builds the triangle as of `range.last` for cohorts in the periods `cohortPeriods`.
    /// - Complexity: O(paid orders) for purchase-only choices, otherwise O(events from each
    ///   cohort onward), on all cores.
    public static func compute(
        _ snapshot: Snapshot, cohortBy: RetentionCohort = .firstPurchase, period unit: CalendarPeriod = .month,
        returnEvent: RetentionReturn = .purchase, cumulative: Bool = false, from: Day? = nil, asOf: Day
    ) -> RetentionReport {
        let calendar = AnalysisCalendar(snapshot)
        let indices = unit.indices(from: from, to: asOf, defaultCount: 12)
        let cohortCount = indices.count
        let width = cohortCount  // periods 0 ... last - first
        let asOfEnd = calendar.end(of: asOf)
        let purchases = PurchaseIndex.of(snapshot)

        struct Part: Sendable {
            var sizes: [Int]
            var retained: [Int]
        }
        let parts = ConsumerPartitions.map(snapshot, partitions: 16) { range -> Part in
            var part = Part(sizes: [Int](repeating: 0, count: cohortCount), retained: [Int](repeating: 0, count: cohortCount * width))
            var cursor = PeriodCursor(unit, calendar)
            for c in range {
                // The cohort event.
                var cohortTs = Int64.max
                switch cohortBy {
                case .firstPurchase:
                    for o in purchases.orders(of: c) where purchases.isPurchase(o, before: asOfEnd) {
                        cohortTs = purchases.payTs[o]
                        break
                    }
                case .firstVisit:
                    for i in snapshot.events(of: c) where snapshot.kind[i] == .view {
                        cohortTs = snapshot.ts[i]
                        break
                    }
                }
                guard cohortTs < asOfEnd else { continue }
                let cohort = cursor.period(of: cohortTs)
                guard indices.contains(cohort) else { continue }
                let row = cohort - indices.lowerBound
                part.sizes[row] += 1
                // Return periods after the cohort's, in time order.
                let after = calendar.end(of: unit.lastDay(of: cohort))
                var lastCounted = cohort
                func returned(_ ts: Int64) {
                    let p = cursor.period(of: ts)
                    guard p > lastCounted else { return }
                    if !cumulative { part.retained[row * width + (p - cohort)] += 1 }
                    lastCounted = p
                }
                if returnEvent != .purchase {
                    var i = snapshot.firstEvent(of: c, atOrAfter: after)
                    let last = Int(snapshot.eventStart[c + 1])
                    while i < last && snapshot.ts[i] < asOfEnd {
                        if returnEvent.counts(snapshot.kind[i]) { returned(snapshot.ts[i]) }
                        i += 1
                    }
                } else {
                    for o in purchases.orders(of: c) {
                        let ts = purchases.payTs[o]
                        guard ts >= after else { continue }
                        guard ts < asOfEnd else { break }
                        if purchases.isPurchase(o, before: asOfEnd) { returned(ts) }
                    }
                }
                if cumulative && lastCounted > cohort {
                    for k in 1...(lastCounted - cohort) { part.retained[row * width + k] += 1 }
                }
            }
            return part
        }

        var sizes = [Int](repeating: 0, count: cohortCount)
        var retained = [Int](repeating: 0, count: cohortCount * width)
        for part in parts {
            for r in 0..<cohortCount { sizes[r] += part.sizes[r] }
            for k in 0..<retained.count { retained[k] += part.retained[k] }
        }
        var cohorts: [Cohort] = []
        var averageRetained = [Int](repeating: 0, count: width)
        var averageSize = [Int](repeating: 0, count: width)
        for row in 0..<cohortCount {
            let index = indices.lowerBound + row
            var cells: [Cell] = []
            for k in 0...(indices.upperBound - index) {
                let count = k == 0 ? sizes[row] : retained[row * width + k]
                let complete = unit.lastDay(of: index + k) <= asOf
                cells.append(Cell(period: k, retained: count, share: sizes[row] > 0 ? Double(count) / Double(sizes[row]) : nil, complete: complete))
                if complete {
                    averageRetained[k] += count
                    averageSize[k] += sizes[row]
                }
            }
            cohorts.append(Cohort(start: unit.firstDay(of: index), label: unit.label(of: index), size: sizes[row], periods: cells))
        }
        return RetentionReport(
            workspace: snapshot.workspace, cohortBy: cohortBy, period: unit, returnEvent: returnEvent, cumulative: cumulative,
            range: DayRange(unit.firstDay(of: indices.lowerBound), asOf), cohorts: cohorts,
            average: (0..<width).map { averageSize[$0] > 0 ? Double(averageRetained[$0]) / Double(averageSize[$0]) : nil })
    }
}

extension Analysis {
    public static let retention = Analysis(
        name: "retention", title: "Retention",
        summary: "Cohorts by week or month of first purchase or first visit; the share who came back in each later period.",
        parameters: [
            AnalysisParameter("cohort", .choice, help: "What starts a cohort.", default: "first-purchase", choices: RetentionCohort.allCases.map(\.rawValue)),
            AnalysisParameter("period", .choice, help: "Cohort and return periods: ISO weeks (Monday) or calendar months.", default: "month", choices: CalendarPeriod.allCases.map(\.rawValue)),
            AnalysisParameter("return", .choice, help: "What counts as coming back.", default: "purchase", choices: RetentionReturn.allCases.map(\.rawValue)),
            AnalysisParameter("cumulative", .boolean, help: "Count a return in period k or any later period.", default: "false"),
            AnalysisParameter("from", .day, help: "A day in the first cohort period (default: 12 periods ending --to)."),
            AnalysisParameter("to", .day, help: "The as-of day: returns are counted through it (default: the last day with data)."),
        ]
    ) { snapshot, arguments throws(AnalysisError) in
        let asOf = try arguments.asOf("to", in: snapshot)
        let from = try arguments.day("from")
        if let from, from > asOf { throw .invalidParameter(parameter: "from", value: "\(from)", reason: "the first cohort starts after --to (\(asOf))") }
        return RetentionReport.compute(
            snapshot, cohortBy: try arguments.choice("cohort", default: RetentionCohort.firstPurchase),
            period: try arguments.choice("period", default: CalendarPeriod.month),
            returnEvent: try arguments.choice("return", default: RetentionReturn.purchase),
            cumulative: try arguments.boolean("cumulative"), from: from, asOf: asOf)
    }
}
