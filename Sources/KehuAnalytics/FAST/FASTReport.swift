import KehuModel
import KehuStore

/// FAST consumer health as of a day (DESIGN 4.2, FAST 消费者健康度): F, A, S and T.
public struct FASTReport: Report {
    public var workspace: String
    public var rules: FASTRules
    public var figures: FASTFigures

    public var title: String { "FAST consumer health (消费者健康度) · \(workspace)" }

    public var parameters: [ReportParameter] {
        [ReportParameter("as of", "\(figures.day)"),
         ReportParameter("period", "\(figures.periodStart.advanced(by: 1))..\(figures.day)")] + rules.reportParameters
    }

    public func tables() -> [TextTable] {
        let f = figures
        var table = TextTable(title: nil, headers: ["figure", "指标", "value", "of", "definition"],
                              alignments: [.left, .left, .right, .right, .left])
        table.rows = [
            ["F Fertility", "可运营人群总量", Figures.grouped(f.fertility), "", "consumers in A+I+P+L at \(f.day)"],
            ["A Advancing", "人群转化率", Figures.percent(f.advancingConsumers, f.advancingBase),
             "\(Figures.grouped(f.advancingConsumers)) / \(Figures.grouped(f.advancingBase))",
             "of A/I/P at \(f.periodStart), deeper at \(f.day)"],
            ["S Superiority", "超级用户数", Figures.grouped(f.members), "", "members (joined, not left) at \(f.day)"],
            ["T Thriving", "超级用户活跃率", Figures.percent(f.activeMembers, f.members),
             "\(Figures.grouped(f.activeMembers)) / \(Figures.grouped(f.members))",
             "members active in the \(rules.activeDays) days to \(f.day)"],
        ]
        table.footnotes = [
            "F = A \(Figures.grouped(f.aware)) + I \(Figures.grouped(f.interested)) + P \(Figures.grouped(f.purchased)) + L \(Figures.grouped(f.loyal))",
            "active: a cart, favorite, coupon_claim, points, interact or pay event",
        ]
        return [table]
    }

    /// The four figures as of `day`.
    public static func compute(_ snapshot: Snapshot, asOf day: Day, rules: FASTRules = .standard) -> FASTReport {
        FASTReport(workspace: snapshot.workspace, rules: rules, figures: FASTFigures.compute(snapshot, at: [day], rules: rules)[0])
    }
}

/// The FAST figures at the end of each day or ISO week of a period.
public struct FASTTrendReport: Report {
    public var workspace: String
    public var samples: TrendSamples
    public var rules: FASTRules
    /// One per sample point, in order.
    public var points: [FASTFigures]

    public var title: String { "FAST consumer health by \(samples.interval.rawValue) (消费者健康度趋势) · \(workspace)" }

    public var parameters: [ReportParameter] {
        [ReportParameter("trend", samples.interval.rawValue), ReportParameter("from", "\(samples.period.first)"),
         ReportParameter("to", "\(samples.period.last)")] + rules.reportParameters
    }

    public func tables() -> [TextTable] {
        let weekly = samples.interval == .week
        var table = TextTable(
            title: nil,
            headers: (weekly ? ["week", "as of"] : ["day"]) + ["F 可运营人群", "A 转化率", "advancing", "S 超级用户", "T 活跃率", "active members"],
            alignments: (weekly ? [.left, .left] : [.left]) + Array(repeating: .right, count: 6))
        for (k, point) in samples.points.enumerated() {
            let f = points[k]
            let label = weekly ? [point.week ?? "", "\(point.day)"] : ["\(point.day)"]
            table.rows.append(
                label + [
                    Figures.grouped(f.fertility), Figures.percent(f.advancingConsumers, f.advancingBase),
                    "\(Figures.grouped(f.advancingConsumers)) / \(Figures.grouped(f.advancingBase))", Figures.grouped(f.members),
                    Figures.percent(f.activeMembers, f.members), Figures.grouped(f.activeMembers),
                ])
        }
        table.footnotes = ["A at each point: of the consumers in A/I/P \(rules.periodDays) days earlier, those deeper at the point"]
        return [table]
    }

    public static func compute(_ snapshot: Snapshot, samples: TrendSamples, rules: FASTRules = .standard) -> FASTTrendReport {
        FASTTrendReport(
            workspace: snapshot.workspace, samples: samples, rules: rules,
            points: FASTFigures.compute(snapshot, at: samples.days, rules: rules))
    }
}

extension Analysis {
    public static let fast = Analysis(
        name: "fast", title: "FAST consumer health",
        summary: "F (A+I+P+L), A (share of A/I/P that moved deeper in the period), S (members), T (share of members active).",
        parameters: [AnalysisParameter("as-of", .day, help: "The day (default: the last day with data).")]
            + FASTRules.analysisParameters
    ) { snapshot, arguments throws(AnalysisError) in
        FASTReport.compute(snapshot, asOf: try arguments.asOf(in: snapshot), rules: try FASTRules(arguments))
    }

    public static let fastTrend = Analysis(
        name: "fast-trend", title: "FAST consumer health over time",
        summary: "The four FAST figures at the end of each day or ISO week of a period.",
        parameters: [
            AnalysisParameter("trend", .choice, help: "Sample at the end of each day or each ISO week.", default: "day", choices: ["day", "week"]),
            AnalysisParameter("from", .day, help: "First day (default: 30 days or 12 ISO weeks before `to`)."),
            AnalysisParameter("to", .day, help: "Last day (default: the last day with data)."),
        ] + FASTRules.analysisParameters
    ) { snapshot, arguments throws(AnalysisError) in
        FASTTrendReport.compute(snapshot, samples: try arguments.trendSamples(in: snapshot), rules: try FASTRules(arguments))
    }
}
