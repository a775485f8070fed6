import KehuModel
import KehuStore

/// AIPL consumer assets over time (DESIGN 4.1, "counts per stage over time"): consumers per stage
/// at the end of each day, or of each ISO week, of a period.
public struct AIPLTrendReport: Report {
    public var workspace: String
    public var samples: TrendSamples
    public var rules: AIPLRules
    /// The days the counts are as of, one per point.
    public var days: [Day]
    /// Per stage A, I, P, L: the consumers at each point.
    public var series: [Series]
    /// A+I+P+L at each point.
    public var assets: [Int]
    /// Consumers in no stage at each point (including consumers whose first event came later).
    public var none: [Int]

    public struct Series: Sendable, Codable, Hashable {
        public var stage: String
        public var chineseName: String
        public var values: [Int]
    }

    public var title: String { "AIPL consumer assets by \(samples.interval.rawValue) (品牌数据银行趋势) · \(workspace)" }

    public var parameters: [ReportParameter] {
        [ReportParameter("trend", samples.interval.rawValue), ReportParameter("from", "\(samples.period.first)"),
         ReportParameter("to", "\(samples.period.last)")] + rules.reportParameters
    }

    public func tables() -> [TextTable] {
        let weekly = samples.interval == .week
        var table = TextTable(
            title: nil,
            headers: (weekly ? ["week", "as of"] : ["day"]) + ["A 认知", "I 兴趣", "P 购买", "L 忠诚", "assets"],
            alignments: (weekly ? [.left, .left] : [.left]) + Array(repeating: .right, count: 5))
        for (k, point) in samples.points.enumerated() {
            let label = weekly ? [point.week ?? "", "\(point.day)"] : ["\(point.day)"]
            table.rows.append(label + (series.map { $0.values[k] } + [assets[k]]).map(Figures.grouped))
        }
        if weekly { table.footnotes = ["each week as of its Sunday, or of the period's last day for a week running past it"] }
        return [table]
    }

    /// The stage counts at every sample point, from one pass per consumer.
    /// - Complexity: O(events in the windows + consumers x points), on all cores.
    public static func compute(_ snapshot: Snapshot, samples: TrendSamples, rules: AIPLRules = .standard) -> AIPLTrendReport {
        let days = samples.days
        let points = days.count
        let parts = AIPLStages.trace(snapshot, at: days, rules: rules, initial: { [Int](repeating: 0, count: points * 5) }) {
            tally, _, stages in
            for k in 0..<stages.count { tally[k &* 5 &+ Int(stages[k].rawValue)] &+= 1 }
        }
        var total = [Int](repeating: 0, count: points * 5)
        for part in parts {
            for i in 0..<total.count { total[i] += part[i] }
        }
        let stages: [AIPLStage] = [.aware, .interested, .purchased, .loyal]
        return AIPLTrendReport(
            workspace: snapshot.workspace, samples: samples, rules: rules, days: days,
            series: stages.map { stage in
                Series(
                    stage: stage.letter, chineseName: stage.chineseName,
                    values: (0..<points).map { total[$0 * 5 + Int(stage.rawValue)] })
            },
            assets: (0..<points).map { k in total[k * 5 + 1..<k * 5 + 5].reduce(0, +) },
            none: (0..<points).map { total[$0 * 5] })
    }
}

extension Analysis {
    public static let aiplTrend = Analysis(
        name: "aipl-trend", title: "AIPL consumer assets over time",
        summary: "Consumers per AIPL stage at the end of each day or ISO week of a period.",
        parameters: [
            AnalysisParameter("trend", .choice, help: "Sample at the end of each day or each ISO week.", default: "day", choices: ["day", "week"]),
            AnalysisParameter("from", .day, help: "First day (default: 30 days or 12 ISO weeks before `to`)."),
            AnalysisParameter("to", .day, help: "Last day (default: the last day with data)."),
        ] + AIPLRules.analysisParameters
    ) { snapshot, arguments throws(AnalysisError) in
        AIPLTrendReport.compute(snapshot, samples: try arguments.trendSamples(in: snapshot), rules: try AIPLRules(arguments))
    }
}
