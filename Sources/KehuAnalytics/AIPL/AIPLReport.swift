import KehuModel
import KehuStore

/// AIPL consumer assets as of a day (DESIGN 4.1): how many consumers are in each stage, and the
/// composition of the brand's assets.
public struct AIPLReport: Report {
    public var workspace: String
    public var asOf: Day
    public var rules: AIPLRules
    /// Consumers per stage, none through L.
    public var counts: [StageCount]
    /// Consumers in A, I, P or L.
    public var assets: Int

    public struct StageCount: Sendable, Codable, Hashable {
        public var stage: String
        public var chineseName: String
        public var consumers: Int
        /// Share of the assets (A+I+P+L); nil for `none`.
        public var shareOfAssets: Double?
    }

    public var title: String { "AIPL consumer assets (品牌数据银行) · \(workspace)" }

    public var parameters: [ReportParameter] {
        [ReportParameter("as of", "\(asOf)")] + rules.reportParameters
    }

    public func tables() -> [TextTable] {
        var table = TextTable(title: nil, headers: ["stage", "阶段", "consumers", "share of assets"])
        for row in counts where row.stage != "-" {
            table.rows.append([row.stage, row.chineseName, Figures.grouped(row.consumers), Figures.percent(row.consumers, assets)])
        }
        table.footnotes = [
            "assets (A+I+P+L): \(Figures.grouped(assets)) · no stage: \(Figures.grouped(counts.first?.consumers ?? 0))"
        ]
        return [table]
    }

    /// Counts each consumer's stage as of `day`.
    public static func compute(_ snapshot: Snapshot, asOf day: Day, rules: AIPLRules = .standard) -> AIPLReport {
        let tally = AIPLStages.counts(snapshot, asOf: day, rules: rules)
        let assets = tally[1...].reduce(0, +)
        return AIPLReport(
            workspace: snapshot.workspace, asOf: day, rules: rules,
            counts: AIPLStage.allCases.map { stage in
                StageCount(
                    stage: stage.letter, chineseName: stage.chineseName, consumers: tally[Int(stage.rawValue)],
                    shareOfAssets: stage == .none || assets == 0 ? nil : Double(tally[Int(stage.rawValue)]) / Double(assets))
            },
            assets: assets)
    }
}

extension AIPLRules {
    /// The rule parameters every stage-based analysis takes.
    public static let analysisParameters: [AnalysisParameter] = [
        AnalysisParameter("a-days", .integer, help: "A 认知: an A-signal event within this many days.", default: "15"),
        AnalysisParameter("i-days", .integer, help: "I 兴趣: an I-signal event within this many days.", default: "15"),
        AnalysisParameter("p-days", .integer, help: "P 购买: a paid order within this many days.", default: "365"),
        AnalysisParameter("l-orders", .integer, help: "L 忠诚: this many paid orders within the P window.", default: "2"),
    ]

    /// The rules from `a-days`, `i-days`, `p-days` and `l-orders`.
    public init(_ arguments: AnalysisArguments) throws(AnalysisError) {
        self.init(
            awarenessDays: try arguments.integer("a-days", default: 15, in: 1...3_650),
            interestDays: try arguments.integer("i-days", default: 15, in: 1...3_650),
            purchaseDays: try arguments.integer("p-days", default: 365, in: 1...3_650),
            loyalOrders: try arguments.integer("l-orders", default: 2, in: 2...1_000))
    }
}

extension Analysis {
    public static let aipl = Analysis(
        name: "aipl", title: "AIPL consumer assets",
        summary: "Consumers per AIPL stage (认知 / 兴趣 / 购买 / 忠诚) as of a day, and the composition of the assets.",
        parameters: [
            AnalysisParameter("as-of", .day, help: "The day (default: the last day with data)."),
            AnalysisParameter(
                "by", .choice, help: "Break the stages down: `category` counts each category's stages from its events only.",
                choices: AIPLBreakdown.allCases.map(\.rawValue)),
        ] + AIPLRules.analysisParameters
    ) { snapshot, arguments throws(AnalysisError) -> any Report in
        let day = try arguments.asOf(in: snapshot)
        let rules = try AIPLRules(arguments)
        if arguments.string("by") == nil { return AIPLReport.compute(snapshot, asOf: day, rules: rules) }
        switch try arguments.choice("by", default: AIPLBreakdown.category) {
        case .category: return AIPLCategoryReport.compute(snapshot, asOf: day, rules: rules)
        }
    }
}
