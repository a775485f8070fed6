import Foundation
import KehuModel
import KehuStore

/// RFM as of a day (DESIGN 4.7): the consumers with a paid order in the window, scored 1-5 on
/// recency, frequency and monetary value, grouped into the R `rfm` package's named segments and
/// the Chinese eight classes, with per-group size, GMV share and mean R, F, M.
public struct RFMReport: Report {
    public var workspace: String
    public var asOf: Day
    public var days: Int
    /// First day of the window.
    public var windowStart: Day
    /// RFM consumers (a paid order in the window).
    public var customers: Int
    public var totalMonetaryFen: Int64
    public var meanRecencyDays: Double
    public var meanFrequency: Double
    public var meanMonetaryFen: Double
    public var unknownAmountOrders: Int
    /// Per score 1...5, the consumers and value range on each dimension.
    public var scoreBands: [ScoreBand]
    /// The named segments in package order, then Others.
    public var segments: [Group]
    /// The eight classes, 重要价值 to 一般挽留.
    public var valueClasses: [Group]
    /// Every consumer's row (for `--export`); not part of the JSON.
    public var table: RFMTable

    public struct ScoreBand: Sendable, Codable, Hashable {
        public var score: Int
        public var recencyConsumers: Int
        public var recencyDaysMin: Int?
        public var recencyDaysMax: Int?
        public var frequencyConsumers: Int
        public var frequencyMin: Int?
        public var frequencyMax: Int?
        public var monetaryConsumers: Int
        public var monetaryMinFen: Int64?
        public var monetaryMaxFen: Int64?
    }

    /// One segment or class: "CLV-ready" per-group features.
    public struct Group: Sendable, Codable, Hashable {
        public var name: String
        public var chineseName: String
        public var rule: String
        public var customers: Int
        /// Share of the RFM consumers.
        public var share: Double?
        public var monetaryFen: Int64
        /// Share of the total M (net paid amount).
        public var monetaryShare: Double?
        public var meanRecencyDays: Double?
        public var meanFrequency: Double?
        public var meanMonetaryFen: Double?
    }

    enum CodingKeys: String, CodingKey {
        case workspace, asOf, days, windowStart, customers, totalMonetaryFen, meanRecencyDays, meanFrequency
        case meanMonetaryFen, unknownAmountOrders, scoreBands, segments, valueClasses
    }

    public var title: String { "RFM 客户价值分层 · \(workspace)" }

    public var parameters: [ReportParameter] {
        [
            ReportParameter("as of", "\(asOf)"),
            ReportParameter("window", "\(days)d (\(windowStart)..\(asOf))"),
            ReportParameter("purchase", "paid, not refunded in full as of \(asOf)"),
        ]
    }

    /// - Complexity: as ``RFMTable/compute(_:asOf:days:)``, plus O(n) grouping.
    public static func compute(_ snapshot: Snapshot, asOf day: Day, days: Int = 365) -> RFMReport {
        let t = RFMTable.of(snapshot, asOf: day, days: days)
        let n = t.count
        var bands: [ScoreBand] = (1...5).map {
            ScoreBand(score: $0, recencyConsumers: 0, frequencyConsumers: 0, monetaryConsumers: 0)
        }
        var segmentSums = [Sums](repeating: Sums(), count: RFMSegment.allCases.count)
        var classSums = [Sums](repeating: Sums(), count: RFMValueClass.allCases.count)
        for i in 0..<n {
            let r = Int(t.recencyDays[i]), f = Int(t.frequency[i]), m = t.monetaryFen[i]
            var band = bands[Int(t.rScore[i]) - 1]
            band.recencyConsumers += 1
            band.recencyDaysMin = min(band.recencyDaysMin ?? r, r)
            band.recencyDaysMax = max(band.recencyDaysMax ?? r, r)
            bands[Int(t.rScore[i]) - 1] = band
            band = bands[Int(t.fScore[i]) - 1]
            band.frequencyConsumers += 1
            band.frequencyMin = min(band.frequencyMin ?? f, f)
            band.frequencyMax = max(band.frequencyMax ?? f, f)
            bands[Int(t.fScore[i]) - 1] = band
            band = bands[Int(t.mScore[i]) - 1]
            band.monetaryConsumers += 1
            band.monetaryMinFen = min(band.monetaryMinFen ?? m, m)
            band.monetaryMaxFen = max(band.monetaryMaxFen ?? m, m)
            bands[Int(t.mScore[i]) - 1] = band
            segmentSums[Int(t.segment[i].rawValue)].add(r, f, m)
            classSums[Int(t.valueClass[i].rawValue)].add(r, f, m)
        }
        let calendar = AnalysisCalendar(snapshot)
        return RFMReport(
            workspace: snapshot.workspace, asOf: day, days: days,
            windowStart: calendar.day(of: calendar.window(days: days, ending: day).lowerBound), customers: n,
            totalMonetaryFen: t.totalMonetaryFen, meanRecencyDays: t.meanRecencyDays, meanFrequency: t.meanFrequency,
            meanMonetaryFen: t.meanMonetaryFen, unknownAmountOrders: t.unknownAmountOrders, scoreBands: bands,
            segments: RFMSegment.allCases.map {
                segmentSums[Int($0.rawValue)].group($0.name, $0.chineseName, $0.rule, n: n, total: t.totalMonetaryFen)
            },
            valueClasses: RFMValueClass.allCases.map {
                classSums[Int($0.rawValue)].group($0.name, $0.chineseName, $0.rule, n: n, total: t.totalMonetaryFen)
            },
            table: t)
    }

    struct Sums {
        var count = 0
        var recency: Int64 = 0
        var frequency: Int64 = 0
        var monetary: Int64 = 0

        mutating func add(_ r: Int, _ f: Int, _ m: Int64) {
            count += 1
            recency += Int64(r)
            frequency += Int64(f)
            monetary += m
        }

        func group(_ name: String, _ chinese: String, _ rule: String, n: Int, total: Int64) -> Group {
            let c = Double(count)
            return Group(
                name: name, chineseName: chinese, rule: rule, customers: count, share: n > 0 ? c / Double(n) : nil,
                monetaryFen: monetary, monetaryShare: total > 0 ? Double(monetary) / Double(total) : nil,
                meanRecencyDays: count > 0 ? Double(recency) / c : nil,
                meanFrequency: count > 0 ? Double(frequency) / c : nil,
                meanMonetaryFen: count > 0 ? Double(monetary) / c : nil)
        }
    }

    public func tables() -> [TextTable] {
        var bandsTable = TextTable(
            title: "Score bands 评分区间 (5 = best; ties share a score)",
            headers: ["score", "R consumers", "R days", "F consumers", "F orders", "M consumers", "M net paid"])
        bandsTable.rows = scoreBands.reversed().map { b in
            [
                "\(b.score)", Figures.grouped(b.recencyConsumers), Self.range(b.recencyDaysMin, b.recencyDaysMax),
                Figures.grouped(b.frequencyConsumers), Self.range(b.frequencyMin, b.frequencyMax),
                Figures.grouped(b.monetaryConsumers),
                b.monetaryMinFen.map { Money.format(fen: $0) + "–" + Money.format(fen: b.monetaryMaxFen!) } ?? "-",
            ]
        }
        bandsTable.footnotes = [
            "\(Figures.grouped(customers)) consumers with a paid order in the window · mean R "
                + String(format: "%.1f days, F %.2f orders, M ", meanRecencyDays, meanFrequency)
                + Money.format(fen: Int64(meanMonetaryFen.rounded())) + " · total M " + Money.format(fen: totalMonetaryFen)
        ]
        if unknownAmountOrders > 0 {
            bandsTable.footnotes.append(
                "\(Figures.grouped(unknownAmountOrders)) orders had no amount in the source (e.g. Taobao UserBehavior) and add ¥0 to M")
        }
        func groupTable(_ title: String, _ first: String, _ groups: [Group]) -> TextTable {
            var table = TextTable(
                title: title,
                headers: [first, "中文", "rule", "customers", "share", "GMV share", "mean R (days)", "mean F", "mean M"])
            table.alignments = [.left, .left, .left, .right, .right, .right, .right, .right, .right]
            table.rows = groups.map { g in
                [
                    g.name, g.chineseName, g.rule, Figures.grouped(g.customers), Figures.percent(g.customers, customers),
                    g.monetaryShare.map { String(format: "%.1f%%", $0 * 100) } ?? "-",
                    g.meanRecencyDays.map { String(format: "%.1f", $0) } ?? "-",
                    g.meanFrequency.map { String(format: "%.2f", $0) } ?? "-",
                    g.meanMonetaryFen.map { Money.format(fen: Int64($0.rounded())) } ?? "-",
                ]
            }
            return table
        }
        var segmentTable = groupTable("Segments (R rfm package) 客户分群", "segment", segments)
        segmentTable.footnotes = [
            "first matching segment in this order; GMV share = share of the net paid amount (M)",
            "New Customers, Promising and Can't Lose Them lie inside earlier rows (Potential Loyalist, At Risk) and stay empty under first match",
        ]
        var classTable = groupTable("Eight classes RFM 八类客户", "class", valueClasses)
        classTable.footnotes = [
            "high 高 = better than the mean: R below " + String(format: "%.1f", meanRecencyDays) + " days, F above "
                + String(format: "%.2f", meanFrequency) + ", M above " + Money.format(fen: Int64(meanMonetaryFen.rounded()))
        ]
        return [bandsTable, segmentTable, classTable]
    }

    static func range(_ low: Int?, _ high: Int?) -> String {
        guard let low, let high else { return "-" }
        return low == high ? "\(low)" : "\(low)–\(high)"
    }

    /// Every consumer's row as CSV columns: `consumer_id, recency_days, frequency, monetary_yuan,
    /// r_score, f_score, m_score, rfm_score, segment, value_class`.
    public func exportTable(consumerIDs: [UInt32]) -> TextTable {
        var out = TextTable(headers: [
            "consumer_id", "recency_days", "frequency", "monetary_yuan", "r_score", "f_score", "m_score", "rfm_score",
            "segment", "value_class",
        ])
        out.rows.reserveCapacity(table.count)
        for i in 0..<table.count {
            out.rows.append([
                "\(consumerIDs[Int(table.consumer[i])])", "\(table.recencyDays[i])", "\(table.frequency[i])",
                Money.plainYuan(fen: table.monetaryFen[i]), "\(table.rScore[i])", "\(table.fScore[i])", "\(table.mScore[i])",
                "\(table.rScore[i])\(table.fScore[i])\(table.mScore[i])", table.segment[i].name,
                table.valueClass[i].chineseName,
            ])
        }
        return out
    }
}

extension Analysis {
    public static let rfm = Analysis(
        name: "rfm", title: "RFM",
        summary: "Recency, frequency and monetary scores (1-5) of the consumers with a paid order in a window, "
            + "the R rfm package's segments and the Chinese eight classes (重要价值 ... 一般挽留).",
        parameters: [
            AnalysisParameter("as-of", .day, help: "The day (default: the last day with data)."),
            AnalysisParameter("days", .integer, help: "Window length in days, ending the as-of day.", default: "365"),
        ]
    ) { snapshot, arguments throws(AnalysisError) in
        RFMReport.compute(
            snapshot, asOf: try arguments.asOf(in: snapshot), days: try arguments.integer("days", default: 365, in: 1...3_650))
    }
}
