import KehuModel
import KehuStore

/// The customer-operations view of a period (生意参谋 5.0, DESIGN 4.3): visitors as 新访 / 回访 /
/// 老客 with their buyers, conversion, AOV and GMV; the growth paths, with buyers who had no
/// tracked visit as a row of their own so the paths add up to the period's GMV; and 未购客户回访,
/// what became of the previous period's visitors who did not buy.
public struct VisitorReport: Report {
    public var workspace: String
    public var period: DayRange
    /// The equal-length period just before, for 未购客户回访.
    public var previousPeriod: DayRange
    /// The lookback before each first visit, in days of 24 hours.
    public var lookbackDays: Int
    /// 新访, 回访, 老客 in that order.
    public var classes: [ClassRow]
    public var visitors: Int
    /// Buyers in the period, visitors or not.
    public var buyers: Int
    /// GMV of the period: every pay amount in it.
    public var totalGmvFen: Int64
    /// The growth paths: new-visitor purchase, returning-visitor purchase, old-customer
    /// repurchase, buyers with no tracked visit.
    public var growthPaths: [PathRow]
    /// Sum of the growth paths' GMV; equals ``totalGmvFen``.
    public var growthPathsGmvFen: Int64
    /// Visitors who paid in the period before their first visit in it (the payment, unless
    /// refunded in full by the visit, makes them 老客).
    public var paidBeforeFirstVisit: Int
    /// Payments in the period without an amount (counted as 0 in GMV).
    public var paymentsWithUnknownAmount: Int
    public var revisits: Revisits

    public struct ClassRow: Sendable, Codable, Hashable {
        /// `new`, `returning` or `old`.
        public var visitorClass: String
        public var chineseName: String
        public var visitors: Int
        /// Visitors of the class with a payment in the period.
        public var buyers: Int
        /// buyers / visitors; nil without visitors.
        public var conversion: Double?
        /// GMV / buyers rounded half up to the fen; nil without buyers.
        public var aovFen: Int64?
        /// The period's pay amounts of the class's buyers.
        public var gmvFen: Int64
    }

    public struct PathRow: Sendable, Codable, Hashable {
        /// `new-visitor-purchase`, `returning-visitor-purchase`, `old-customer-repurchase`,
        /// `no-tracked-visit`.
        public var path: String
        public var name: String
        public var chineseName: String
        public var buyers: Int
        public var gmvFen: Int64
        /// Share of the period's GMV; nil when it is 0.
        public var shareOfGmv: Double?
    }

    /// 未购客户回访: the previous period's visitors without a payment in it, and of them those who
    /// visited again (revisit rate) and who paid (recall rate) in this period.
    public struct Revisits: Sendable, Codable, Hashable {
        public var previousNonBuyingVisitors: Int
        public var revisited: Int
        public var bought: Int
        public var revisitRate: Double?
        public var recallRate: Double?
    }

    public var title: String { "Customer-operations view (新访 / 回访 / 老客) · \(workspace)" }

    public var parameters: [ReportParameter] {
        [
            ReportParameter("period", "\(period)"), ReportParameter("lookback", "\(lookbackDays)d before the first visit"),
            ReportParameter("previous period", "\(previousPeriod)"),
        ]
    }

    public func tables() -> [TextTable] {
        var classTable = TextTable(
            title: "访客分层 Visitors by class", headers: ["class", "分层", "visitors", "share", "buyers", "conversion", "AOV", "GMV"])
        for row in classes {
            classTable.rows.append([
                VisitorClass.allCases.first { $0.key == row.visitorClass }?.englishName ?? row.visitorClass, row.chineseName,
                Figures.grouped(row.visitors), Figures.percent(row.visitors, visitors), Figures.grouped(row.buyers),
                Figures.percent(row.buyers, row.visitors), row.aovFen.map { Money.format(fen: $0) } ?? "-",
                Money.format(fen: row.gmvFen),
            ])
        }
        let visitorBuyers = classes.reduce(0) { $0 + $1.buyers }
        let visitorGmv = classes.reduce(Int64(0)) { $0 + $1.gmvFen }
        classTable.rows.append([
            "all visitors", "全部访客", Figures.grouped(visitors), Figures.percent(visitors, visitors), Figures.grouped(visitorBuyers),
            Figures.percent(visitorBuyers, visitors), visitorBuyers > 0 ? Money.format(fen: roundedDivision(visitorGmv, visitorBuyers)) : "-",
            Money.format(fen: visitorGmv),
        ])
        classTable.footnotes.append(
            "Each visitor is classified at their first visit in the period, looking back \(lookbackDays) days: 老客 a paid order, 回访 a visit, 新访 neither.")
        if paidBeforeFirstVisit > 0 {
            classTable.footnotes.append(
                "\(Figures.grouped(paidBeforeFirstVisit)) visitors paid in the period before their first visit in it; that payment counts at the visit.")
        }
        if paymentsWithUnknownAmount > 0 {
            classTable.footnotes.append(
                "\(Figures.grouped(paymentsWithUnknownAmount)) payments in the period have no amount in the source; they count as 0 in GMV.")
        }

        var paths = TextTable(title: "增长路径 Growth paths", headers: ["path", "路径", "buyers", "GMV", "share of GMV"])
        for row in growthPaths {
            paths.rows.append([row.name, row.chineseName, Figures.grouped(row.buyers), Money.format(fen: row.gmvFen), Figures.percent(Int(row.gmvFen), Int(totalGmvFen))])
        }
        paths.footnotes.append(
            "Total GMV of the period: \(Money.format(fen: totalGmvFen)) from \(Figures.grouped(buyers)) buyers; the four rows add up to \(Money.format(fen: growthPathsGmvFen))"
                + (growthPathsGmvFen == totalGmvFen ? " (reconciles)." : " (DOES NOT RECONCILE)."))

        var revisit = TextTable(
            title: "未购客户回访 Revisits of non-buying visitors of \(previousPeriod)", headers: ["", "consumers", "rate"])
        revisit.rows = [
            ["visitors of the previous period who did not buy (上期未购访客)", Figures.grouped(revisits.previousNonBuyingVisitors), ""],
            ["visited again in this period (回访率)", Figures.grouped(revisits.revisited), Figures.percent(revisits.revisited, revisits.previousNonBuyingVisitors)],
            ["bought in this period (召回率)", Figures.grouped(revisits.bought), Figures.percent(revisits.bought, revisits.previousNonBuyingVisitors)],
        ]
        return [classTable, paths, revisit]
    }

    private struct Tally: Sendable {
        var visitors = [0, 0, 0]
        var buyers = [0, 0, 0]
        var gmv: [Int64] = [0, 0, 0]
        var noVisitBuyers = 0
        var noVisitGmv: Int64 = 0
        var allBuyers = 0
        var totalGmv: Int64 = 0
        var unknown = 0
        var paidBeforeFirstVisit = 0
        var previousNonBuyers = 0
        var revisited = 0
        var recalled = 0

        mutating func add(_ other: Tally) {
            for k in 0..<3 {
                visitors[k] += other.visitors[k]
                buyers[k] += other.buyers[k]
                gmv[k] += other.gmv[k]
            }
            noVisitBuyers += other.noVisitBuyers
            noVisitGmv += other.noVisitGmv
            allBuyers += other.allBuyers
            totalGmv += other.totalGmv
            unknown += other.unknown
            paidBeforeFirstVisit += other.paidBeforeFirstVisit
            previousNonBuyers += other.previousNonBuyers
            revisited += other.revisited
            recalled += other.recalled
        }
    }

    /// The view of `period`, classifying with a lookback of `lookbackDays` days of 24 hours.
    /// - Complexity: O(events in the period and the previous one + orders), on all cores; the
    ///   purchase index is built on first use.
    public static func compute(_ snapshot: Snapshot, period: DayRange, lookbackDays: Int = 365) -> VisitorReport {
        let purchases = PurchaseIndex.of(snapshot)
        let calendar = AnalysisCalendar(snapshot)
        let previous = DayRange(period.first.advanced(by: -period.dayCount), period.first.advanced(by: -1))
        let previousStart = calendar.start(of: previous.first)
        let start = calendar.start(of: period.first)
        let end = calendar.end(of: period.last)
        let lookback = Int64(lookbackDays) * 86_400_000
        let parts = ConsumerPartitions.map(snapshot, partitions: 16) { range -> Tally in
            var tally = Tally()
            for c in range {
                let last = Int(snapshot.eventStart[c + 1])
                var i = snapshot.firstEvent(of: c, atOrAfter: previousStart)
                var visitedBefore = false
                var paidBefore = false
                while i < last && snapshot.ts[i] < start {
                    let kind = snapshot.kind[i]
                    if kind == .view { visitedBefore = true } else if kind == .pay { paidBefore = true }
                    i += 1
                }
                let firstRow = i
                var firstVisit = Int64.max
                var firstPay = Int64.max
                var fen: Int64 = 0
                while i < last {
                    let ts = snapshot.ts[i]
                    if ts >= end { break }
                    let kind = snapshot.kind[i]
                    if kind == .view {
                        if firstVisit == .max { firstVisit = ts }
                    } else if kind == .pay {
                        if firstPay == .max { firstPay = ts }
                        if let amount = snapshot.amount(i) { fen += amount } else { tally.unknown += 1 }
                    }
                    i += 1
                }
                let paid = firstPay != .max
                if paid {
                    tally.allBuyers += 1
                    tally.totalGmv += fen
                }
                if firstVisit != .max {
                    let k = VisitorClass.classify(
                        snapshot, purchases, consumer: c, visit: firstVisit, lookback: lookback, firstRowAtOrAfterStart: firstRow
                    ).rawValue
                    tally.visitors[k] += 1
                    if paid {
                        tally.buyers[k] += 1
                        tally.gmv[k] += fen
                        if firstPay < firstVisit { tally.paidBeforeFirstVisit += 1 }
                    }
                } else if paid {
                    tally.noVisitBuyers += 1
                    tally.noVisitGmv += fen
                }
                if visitedBefore && !paidBefore {
                    tally.previousNonBuyers += 1
                    if firstVisit != .max { tally.revisited += 1 }
                    if paid { tally.recalled += 1 }
                }
            }
            return tally
        }
        var total = Tally()
        for part in parts { total.add(part) }

        let classes = VisitorClass.allCases.map { cls in
            let k = cls.rawValue
            return ClassRow(
                visitorClass: cls.key, chineseName: cls.chineseName, visitors: total.visitors[k], buyers: total.buyers[k],
                conversion: ratio(total.buyers[k], total.visitors[k]),
                aovFen: total.buyers[k] > 0 ? roundedDivision(total.gmv[k], total.buyers[k]) : nil, gmvFen: total.gmv[k])
        }
        func path(_ key: String, _ name: String, _ chinese: String, _ buyers: Int, _ gmv: Int64) -> PathRow {
            PathRow(
                path: key, name: name, chineseName: chinese, buyers: buyers, gmvFen: gmv,
                shareOfGmv: total.totalGmv > 0 ? Double(gmv) / Double(total.totalGmv) : nil)
        }
        let paths = [
            path("new-visitor-purchase", "new-visitor direct purchase (reach → buy)", "新访直接购买 (触达→购买)", total.buyers[0], total.gmv[0]),
            path(
                "returning-visitor-purchase", "returning-visitor purchase (reach → seed → buy)", "回访购买 (触达→种草→购买)", total.buyers[1],
                total.gmv[1]),
            path("old-customer-repurchase", "old-customer repurchase", "老客复购", total.buyers[2], total.gmv[2]),
            path("no-tracked-visit", "buyers with no tracked visit (e.g. offline)", "无访问记录的购买 (如线下)", total.noVisitBuyers, total.noVisitGmv),
        ]
        return VisitorReport(
            workspace: snapshot.workspace, period: period, previousPeriod: previous, lookbackDays: lookbackDays, classes: classes,
            visitors: total.visitors.reduce(0, +), buyers: total.allBuyers, totalGmvFen: total.totalGmv, growthPaths: paths,
            growthPathsGmvFen: paths.reduce(0) { $0 + $1.gmvFen }, paidBeforeFirstVisit: total.paidBeforeFirstVisit,
            paymentsWithUnknownAmount: total.unknown,
            revisits: Revisits(
                previousNonBuyingVisitors: total.previousNonBuyers, revisited: total.revisited, bought: total.recalled,
                revisitRate: ratio(total.revisited, total.previousNonBuyers), recallRate: ratio(total.recalled, total.previousNonBuyers)))
    }
}

/// `numerator / denominator` as a Double, nil when the denominator is 0.
private func ratio(_ numerator: Int, _ denominator: Int) -> Double? {
    denominator > 0 ? Double(numerator) / Double(denominator) : nil
}

/// `fen / count` rounded half up (both non-negative), for AOV shown to the fen.
private func roundedDivision(_ fen: Int64, _ count: Int) -> Int64 {
    ExactFraction(fen, Int64(count))?.roundedHalfUp ?? 0
}

extension Analysis {
    public static let visitors = Analysis(
        name: "visitors", title: "Customer-operations view (新访 / 回访 / 老客)",
        summary: "Visitors of a period as new, returning and old customers with buyers, conversion, AOV and GMV; growth paths; revisits of last period's non-buyers.",
        parameters: [
            AnalysisParameter("from", .day, help: "The first day of the period (default: 30 days ending --to)."),
            AnalysisParameter("to", .day, help: "The last day of the period (default: the last day with data)."),
            AnalysisParameter(
                "lookback-days", .integer, help: "Classify each visitor by this many days (of 24 hours) before their first visit.",
                default: "365"),
        ]
    ) { snapshot, arguments throws(AnalysisError) in
        VisitorReport.compute(
            snapshot, period: try arguments.period(defaultDays: 30, in: snapshot),
            lookbackDays: try arguments.integer("lookback-days", default: 365, in: 1...3_650))
    }
}
