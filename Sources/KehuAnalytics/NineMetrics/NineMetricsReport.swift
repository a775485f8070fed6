import KehuModel
import KehuStore

/// The group of a consumer at a period's start for the nine metrics (DESIGN 4.4).
public enum CustomerStanding: Int, CaseIterable, Sendable, Codable {
    /// 新客: no paid order before the start.
    case new = 0
    /// 老客: a paid order before the start and an event of any kind in the dormant window.
    case old = 1
    /// 休眠: a paid order before the start and no event in the dormant window.
    case dormant = 2

    public var key: String {
        switch self {
        case .new: "new"
        case .old: "old"
        case .dormant: "dormant"
        }
    }

    public var chineseName: String {
        switch self {
        case .new: "新客"
        case .old: "老客"
        case .dormant: "休眠"
        }
    }

    public var englishName: String {
        switch self {
        case .new: "new customers"
        case .old: "old customers"
        case .dormant: "dormant customers"
        }
    }
}

/// The nine metrics (九宫格: 新客 / 老客 / 休眠 × 流量 / 转化率 / 客单价, DESIGN 4.4): consumers
/// grouped by their standing at the period start, and per group the period's traffic, conversion,
/// AOV and GMV, reconciled exactly with the period's GMV.
public struct NineMetricsReport: Report {
    public var workspace: String
    public var period: DayRange
    /// Days before the start in which any event makes a past buyer 老客 rather than 休眠.
    public var dormantDays: Int
    /// 新客, 老客, 休眠 in that order.
    public var groups: [GroupRow]
    /// Buyers in the period without a visit in it, and their GMV.
    public var buyersWithoutVisit: Int
    public var buyersWithoutVisitGmvFen: Int64
    /// GMV of the period: every pay amount in it.
    public var totalGmvFen: Int64
    /// The groups' GMV plus the buyers without a visit; equals ``totalGmvFen``.
    public var reconciledTotalGmvFen: Int64
    /// Payments in the period without an amount (counted as 0 in GMV).
    public var paymentsWithUnknownAmount: Int

    public struct GroupRow: Sendable, Codable, Hashable {
        /// `new`, `old` or `dormant`.
        public var group: String
        public var chineseName: String
        /// Consumers in the group at the start (休眠用户数量 for `dormant`); nil for `new`, which
        /// takes in everyone who had not bought yet, seen or not.
        public var consumersAtStart: Int?
        /// 流量: visitors of the group in the period.
        public var traffic: Int
        /// Visitors of the group with a payment in the period.
        public var buyers: Int
        /// 转化率: buyers / traffic; nil without traffic.
        public var conversion: Double?
        /// 客单价: GMV / buyers rounded half up to the fen; nil without buyers.
        public var aovFen: Int64?
        /// The period's pay amounts of the group's buyers.
        public var gmvFen: Int64
        /// traffic × (buyers / traffic) × (GMV / buyers) in exact fractions (0 without buyers; nil
        /// only if a product did not fit in 64 bits).
        public var trafficTimesConversionTimesAovFen: Int64?
        public var reconciles: Bool
    }

    public var title: String { "The nine metrics (新客 / 老客 / 休眠 × 流量 / 转化率 / 客单价) · \(workspace)" }

    public var parameters: [ReportParameter] {
        [ReportParameter("period", "\(period)"), ReportParameter("dormant after", "\(dormantDays)d without any event")]
    }

    public func tables() -> [TextTable] {
        var table = TextTable(
            title: "九宫格 The nine metrics",
            headers: ["group", "人群", "at start", "traffic 流量", "buyers", "conversion 转化率", "AOV 客单价", "GMV", "流量×转化率×客单价"])
        for row in groups {
            let name = CustomerStanding.allCases.first { $0.key == row.group }?.englishName ?? row.group
            table.rows.append([
                name, row.chineseName, row.consumersAtStart.map(Figures.grouped) ?? "-", Figures.grouped(row.traffic),
                Figures.grouped(row.buyers), Figures.percent(row.buyers, row.traffic), row.aovFen.map { Money.format(fen: $0) } ?? "-",
                Money.format(fen: row.gmvFen),
                (row.trafficTimesConversionTimesAovFen.map { Money.format(fen: $0) } ?? "overflow") + (row.reconciles ? " ✓" : " ✗"),
            ])
        }
        table.rows.append([
            "buyers without a visit", "无访问购买", "-", "-", Figures.grouped(buyersWithoutVisit), "-",
            buyersWithoutVisit > 0 ? Money.format(fen: ExactFraction(buyersWithoutVisitGmvFen, Int64(buyersWithoutVisit))?.roundedHalfUp ?? 0) : "-",
            Money.format(fen: buyersWithoutVisitGmvFen), "",
        ])
        let allBuyers = groups.reduce(buyersWithoutVisit) { $0 + $1.buyers }
        table.rows.append([
            "total", "合计", "-", Figures.grouped(groups.reduce(0) { $0 + $1.traffic }), Figures.grouped(allBuyers), "-",
            allBuyers > 0 ? Money.format(fen: ExactFraction(totalGmvFen, Int64(allBuyers))?.roundedHalfUp ?? 0) : "-",
            Money.format(fen: totalGmvFen), "",
        ])
        let dormant = groups.first { $0.group == CustomerStanding.dormant.key }?.consumersAtStart ?? 0
        table.footnotes = [
            "Standing at \(period.first) 00:00: 新客 never had a paid order before it; 老客 had one and an event of any kind in the \(dormantDays) days before; 休眠 had one and no event in them.",
            "休眠用户数量 (dormant customers at the start): \(Figures.grouped(dormant)).",
            "流量×转化率×客单价 is worked out in exact fractions (conversion = buyers/traffic, AOV = GMV/buyers); AOV is shown rounded to the fen.",
            "Total GMV of the period: \(Money.format(fen: totalGmvFen)); the three groups plus buyers without a visit add up to \(Money.format(fen: reconciledTotalGmvFen))"
                + (reconciledTotalGmvFen == totalGmvFen ? " (reconciles)." : " (DOES NOT RECONCILE)."),
        ]
        if paymentsWithUnknownAmount > 0 {
            table.footnotes.append(
                "\(Figures.grouped(paymentsWithUnknownAmount)) payments in the period have no amount in the source; they count as 0 in GMV.")
        }
        return [table]
    }

    private struct Tally: Sendable {
        var atStart = [0, 0, 0]
        var traffic = [0, 0, 0]
        var buyers = [0, 0, 0]
        var gmv: [Int64] = [0, 0, 0]
        var noVisitBuyers = 0
        var noVisitGmv: Int64 = 0
        var totalGmv: Int64 = 0
        var unknown = 0

        mutating func add(_ other: Tally) {
            for k in 0..<3 {
                atStart[k] += other.atStart[k]
                traffic[k] += other.traffic[k]
                buyers[k] += other.buyers[k]
                gmv[k] += other.gmv[k]
            }
            noVisitBuyers += other.noVisitBuyers
            noVisitGmv += other.noVisitGmv
            totalGmv += other.totalGmv
            unknown += other.unknown
        }
    }

    /// The nine metrics of `period`, with consumers grouped at its start.
    /// - Complexity: O(events in the period + consumers × log events + paid orders before the
    ///   start), on all cores; the purchase index is built on first use.
    public static func compute(_ snapshot: Snapshot, period: DayRange, dormantDays: Int = 90) -> NineMetricsReport {
        let purchases = PurchaseIndex.of(snapshot)
        let calendar = AnalysisCalendar(snapshot)
        let start = calendar.start(of: period.first)
        let end = calendar.end(of: period.last)
        let activeFrom = calendar.start(of: period.first.advanced(by: -dormantDays))
        let parts = ConsumerPartitions.map(snapshot, partitions: 16) { range -> Tally in
            var tally = Tally()
            for c in range {
                var paidBefore = false
                for o in purchases.orders(of: c) {
                    if purchases.payTs[o] >= start { break }
                    if purchases.refundedInFullTs[o] >= start {
                        paidBefore = true
                        break
                    }
                }
                let first = Int(snapshot.eventStart[c])
                let last = Int(snapshot.eventStart[c + 1])
                var i = snapshot.firstEvent(of: c, atOrAfter: start)
                let standing: CustomerStanding
                if !paidBefore {
                    standing = .new
                } else {
                    standing = i > first && snapshot.ts[i - 1] >= activeFrom ? .old : .dormant
                    tally.atStart[standing.rawValue] += 1
                }
                var visited = false
                var paid = false
                var fen: Int64 = 0
                while i < last && snapshot.ts[i] < end {
                    let kind = snapshot.kind[i]
                    if kind == .view {
                        visited = true
                    } else if kind == .pay {
                        paid = true
                        if let amount = snapshot.amount(i) { fen += amount } else { tally.unknown += 1 }
                    }
                    i += 1
                }
                tally.totalGmv += fen
                if visited {
                    tally.traffic[standing.rawValue] += 1
                    if paid {
                        tally.buyers[standing.rawValue] += 1
                        tally.gmv[standing.rawValue] += fen
                    }
                } else if paid {
                    tally.noVisitBuyers += 1
                    tally.noVisitGmv += fen
                }
            }
            return tally
        }
        var total = Tally()
        for part in parts { total.add(part) }

        let groups = CustomerStanding.allCases.map { standing in
            let k = standing.rawValue
            let traffic = Int64(total.traffic[k])
            let buyers = Int64(total.buyers[k])
            let gmv = total.gmv[k]
            let conversion = ExactFraction(buyers, traffic)
            let aov = ExactFraction(gmv, buyers)
            // Without buyers there is no AOV and the group's GMV is 0: the product is 0 by definition.
            let product: Int64? =
                if let conversion, let aov { ExactFraction(traffic).times(conversion)?.times(aov)?.whole } else { 0 }
            return GroupRow(
                group: standing.key, chineseName: standing.chineseName, consumersAtStart: standing == .new ? nil : total.atStart[k],
                traffic: total.traffic[k], buyers: total.buyers[k], conversion: traffic > 0 ? Double(buyers) / Double(traffic) : nil,
                aovFen: aov?.roundedHalfUp, gmvFen: gmv, trafficTimesConversionTimesAovFen: product, reconciles: product == gmv)
        }
        return NineMetricsReport(
            workspace: snapshot.workspace, period: period, dormantDays: dormantDays, groups: groups,
            buyersWithoutVisit: total.noVisitBuyers, buyersWithoutVisitGmvFen: total.noVisitGmv, totalGmvFen: total.totalGmv,
            reconciledTotalGmvFen: groups.reduce(total.noVisitGmv) { $0 + $1.gmvFen }, paymentsWithUnknownAmount: total.unknown)
    }
}

extension Analysis {
    public static let nine = Analysis(
        name: "nine", title: "The nine metrics (新客 / 老客 / 休眠)",
        summary: "New, old and dormant customers at the period start: traffic, conversion, AOV and GMV in the period, reconciled with the period's GMV.",
        parameters: [
            AnalysisParameter("from", .day, help: "The first day of the period (default: 30 days ending --to)."),
            AnalysisParameter("to", .day, help: "The last day of the period (default: the last day with data)."),
            AnalysisParameter(
                "dormant-days", .integer, help: "A past buyer with no event of any kind in this many days before the start is dormant (休眠).",
                default: "90"),
        ]
    ) { snapshot, arguments throws(AnalysisError) in
        NineMetricsReport.compute(
            snapshot, period: try arguments.period(defaultDays: 30, in: snapshot),
            dormantDays: try arguments.integer("dormant-days", default: 90, in: 1...3_650))
    }
}
