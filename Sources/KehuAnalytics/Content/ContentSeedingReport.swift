import KehuModel
import KehuStore

/// Content seeding (内容种草, DESIGN 4.8) over a period: the purchase rate within N days after a
/// consumer's first content view, against consumers in the same AIPL stage who saw no content
/// (their reference is their first event in the period), per stage, overall (stage-weighted)
/// and per content item. `docs/definitions.md` defines every figure.
public struct ContentSeedingReport: Report {
    public var workspace: String
    public var period: DayRange
    /// The purchase window after the reference instant, in days of 24 hours.
    public var withinDays: Int
    public var rules: AIPLRules
    public var top: Int
    /// Per stage before the reference day: none, A, I, P, L.
    public var stages: [StageRow]
    public var overall: Comparison
    /// Content items viewed in the period (the first `top` by viewers are in ``items``).
    public var itemCount: Int
    public var items: [ItemRow]
    /// Consumers (viewers and non-viewers) whose purchase window runs past the last day with data.
    public var incompleteWindows: Int
    /// Content views in the period without a content item (they count for viewers, not items).
    public var viewsWithoutItem: Int

    public struct StageRow: Sendable, Encodable, Hashable {
        public var stage: String
        public var chineseName: String
        /// Consumers with a content view in the period whose stage was this one.
        public var viewers: Int
        /// ... who paid within the window after their first content view.
        public var viewerBuyers: Int
        /// Consumers active in the period without a content view, in this stage.
        public var nonViewers: Int
        /// ... who paid within the window after their first event in the period.
        public var nonViewerBuyers: Int

        public var viewerRate: Double? { viewers == 0 ? nil : Double(viewerBuyers) / Double(viewers) }
        public var nonViewerRate: Double? { nonViewers == 0 ? nil : Double(nonViewerBuyers) / Double(nonViewers) }
        /// viewer rate / non-viewer rate − 1.
        public var lift: Double? {
            guard let v = viewerRate, let n = nonViewerRate, n > 0 else { return nil }
            return v / n - 1
        }

        enum CodingKeys: String, CodingKey {
            case stage, chineseName, viewers, viewerBuyers, nonViewers, nonViewerBuyers, viewerRate, nonViewerRate, lift
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(stage, forKey: .stage)
            try c.encode(chineseName, forKey: .chineseName)
            try c.encode(viewers, forKey: .viewers)
            try c.encode(viewerBuyers, forKey: .viewerBuyers)
            try c.encode(nonViewers, forKey: .nonViewers)
            try c.encode(nonViewerBuyers, forKey: .nonViewerBuyers)
            try c.encodeIfPresent(viewerRate, forKey: .viewerRate)
            try c.encodeIfPresent(nonViewerRate, forKey: .nonViewerRate)
            try c.encodeIfPresent(lift, forKey: .lift)
        }
    }

    /// Viewers against the purchases expected of them at their stages' non-viewer rates.
    public struct Comparison: Sendable, Codable, Hashable {
        public var viewers: Int
        public var viewerBuyers: Int
        public var nonViewers: Int
        public var nonViewerBuyers: Int
        /// Viewers in stages that have non-viewers (the rest cannot be compared).
        public var matchedViewers: Int
        public var matchedViewerBuyers: Int
        /// Σ over stages of matched viewers × the stage's non-viewer rate.
        public var expectedBuyers: Double
        /// matched viewer buyers / expected buyers − 1 (the stage-weighted lift).
        public var lift: Double?
    }

    public struct ItemRow: Sendable, Codable, Hashable {
        public var content: String
        /// Consumers who viewed the item in the period; reference: their first view of it.
        public var viewers: Int
        public var buyers: Int
        public var comparison: Comparison
    }

    public var title: String { "Content seeding (内容种草) · \(workspace)" }

    public var parameters: [ReportParameter] {
        [
            ReportParameter("period", "\(period.first)..\(period.last)"),
            ReportParameter("purchase within", "\(withinDays)d after the reference"),
            ReportParameter("stage", "as of the day before the reference"), ReportParameter("top", "\(top)"),
        ] + rules.reportParameters
    }

    public func tables() -> [TextTable] {
        func rate(_ n: Int, _ d: Int) -> String { Figures.percent(n, d) }
        func lift(_ value: Double?) -> String {
            guard let value else { return "-" }
            return (value >= 0 ? "+" : "") + PriceSensitivityReport.decimal(value * 100, places: 1) + "%"
        }
        var stageTable = TextTable(
            title: "Purchase within \(withinDays)d: content viewers vs non-viewers in the same stage",
            headers: ["stage", "阶段", "viewers", "bought", "rate", "non-viewers", "bought", "rate", "lift"])
        for row in stages {
            stageTable.rows.append([
                row.stage, row.chineseName, Figures.grouped(row.viewers), Figures.grouped(row.viewerBuyers),
                rate(row.viewerBuyers, row.viewers), Figures.grouped(row.nonViewers), Figures.grouped(row.nonViewerBuyers),
                rate(row.nonViewerBuyers, row.nonViewers), lift(row.lift),
            ])
        }
        stageTable.rows.append([
            "all", "合计", Figures.grouped(overall.viewers), Figures.grouped(overall.viewerBuyers),
            rate(overall.viewerBuyers, overall.viewers), Figures.grouped(overall.nonViewers),
            Figures.grouped(overall.nonViewerBuyers), rate(overall.nonViewerBuyers, overall.nonViewers), lift(overall.lift),
        ])
        stageTable.footnotes = [
            "Viewers: reference = first content view in the period; non-viewers: first event in the period. "
                + "Stage as of the day before the reference.",
            "Overall lift is stage-weighted: viewers' buyers / (Σ viewers × non-viewer rate of their stage) − 1"
                + " (expected \(PriceSensitivityReport.decimal(overall.expectedBuyers, places: 1)) buyers).",
        ]
        if overall.matchedViewers < overall.viewers {
            stageTable.footnotes.append(
                "\(Figures.grouped(overall.viewers - overall.matchedViewers)) viewers are in stages without non-viewers and are left out of the lift.")
        }
        if incompleteWindows > 0 {
            stageTable.footnotes.append(
                "\(Figures.grouped(incompleteWindows)) consumers' \(withinDays)-day windows run past the last day with data; "
                    + "end the period \(withinDays) days earlier for complete windows.")
        }
        var itemTable = TextTable(
            title: "Content items (top \(top) by viewers)", headers: ["content", "viewers", "bought", "rate", "expected", "lift"])
        for item in items {
            itemTable.rows.append([
                item.content, Figures.grouped(item.viewers), Figures.grouped(item.buyers), rate(item.buyers, item.viewers),
                PriceSensitivityReport.decimal(item.comparison.expectedBuyers, places: 1), lift(item.comparison.lift),
            ])
        }
        itemTable.footnotes = [
            "Per item the reference is the consumer's first view of it in the period; expected = Σ viewers × non-viewer rate of their stage. "
                + "\(Figures.grouped(itemCount)) items viewed" + (viewsWithoutItem > 0 ? ", \(Figures.grouped(viewsWithoutItem)) views without an item." : ".")
        ]
        return [stageTable, itemTable]
    }
}
