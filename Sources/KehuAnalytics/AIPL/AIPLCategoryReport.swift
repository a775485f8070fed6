import KehuModel
import KehuStore

/// How AIPL stages are broken down (`by`).
public enum AIPLBreakdown: String, Sendable, Codable, CaseIterable {
    /// Each category's stages from its own events (``AIPLStages/countsByCategory(_:asOf:rules:)``).
    case category
}

/// AIPL consumer assets per category as of a day (DESIGN 4.1, "AIPL per category"): a consumer's
/// stage for a category uses only the events in it, so one consumer can be L for skincare and A
/// for make-up.
public struct AIPLCategoryReport: Report {
    public var workspace: String
    public var asOf: Day
    public var rules: AIPLRules
    /// Categories with any consumer in A, I, P or L, most assets first (then by name).
    public var categories: [Category]
    /// Consumers in the workspace (each category's `none` is the rest).
    public var consumers: Int

    public struct Category: Sendable, Codable, Hashable {
        public var category: String
        /// Consumers in A, I, P, L for this category.
        public var aware: Int
        public var interested: Int
        public var purchased: Int
        public var loyal: Int
        public var assets: Int

        /// Count of a stage (A to L).
        public func count(_ stage: AIPLStage) -> Int {
            switch stage {
            case .none: 0
            case .aware: aware
            case .interested: interested
            case .purchased: purchased
            case .loyal: loyal
            }
        }
    }

    public var title: String { "AIPL consumer assets by category (品类人群资产) · \(workspace)" }

    public var parameters: [ReportParameter] {
        [ReportParameter("as of", "\(asOf)"), ReportParameter("by", "category")] + rules.reportParameters
    }

    public func tables() -> [TextTable] {
        var table = TextTable(
            title: nil,
            headers: ["category", "A 认知", "I 兴趣", "P 购买", "L 忠诚", "assets", "A%", "I%", "P%", "L%"])
        for row in categories {
            table.rows.append(
                [row.category] + [row.aware, row.interested, row.purchased, row.loyal, row.assets].map(Figures.grouped)
                    + [AIPLStage.aware, .interested, .purchased, .loyal].map { Figures.percent(row.count($0), row.assets) })
        }
        table.footnotes = [
            "a consumer's stage in a category counts only events in it; shares are of the category's assets (A+I+P+L)",
            "events without a category are in no category · consumers: \(Figures.grouped(consumers))",
        ]
        return [table]
    }

    /// Each category's stage counts as of `day`.
    public static func compute(_ snapshot: Snapshot, asOf day: Day, rules: AIPLRules = .standard) -> AIPLCategoryReport {
        let tally = AIPLStages.countsByCategory(snapshot, asOf: day, rules: rules)
        let names = snapshot.dictionaries[EventField.category.rawValue]
        var categories: [Category] = []
        for (code, counts) in tally.enumerated() where code > 0 {
            let assets = counts[1...].reduce(0, +)
            guard assets > 0 else { continue }
            categories.append(
                Category(
                    category: names.string(UInt32(code)) ?? "", aware: counts[1], interested: counts[2],
                    purchased: counts[3], loyal: counts[4], assets: assets))
        }
        categories.sort { ($0.assets, $1.category) > ($1.assets, $0.category) }
        return AIPLCategoryReport(
            workspace: snapshot.workspace, asOf: day, rules: rules, categories: categories, consumers: snapshot.consumerCount)
    }
}
