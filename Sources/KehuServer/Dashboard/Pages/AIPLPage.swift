import KehuAnalytics
import KehuCharts

/// AIPL 与流转: the stages over the period (daily, or weekly past 62 days), the flows from the
/// day before the period to its last day (Sankey and the stayed / converted / churned table), and
/// the assets per category.
enum AIPLPage {
    static func render(_ c: PageContext) throws -> String {
        let l = c.language
        let period = c.dates.period
        let weekly = period.dayCount > 62
        let trend = try c.run("aipl-trend", c.periodValues.merging(["trend": weekly ? "week" : "day"]) { $1 }, as: AIPLTrendReport.self)
        let flowFrom = period.first.advanced(by: -1)
        let flow = try c.run("aipl-flow", ["from": "\(flowFrom)", "to": "\(period.last)"], as: AIPLFlowReport.self)
        let categories = try c.run("aipl", ["as-of": "\(c.dates.asOf)", "by": "category"], as: AIPLCategoryReport.self)

        let line = DashboardCharts.line(
            l.text("AIPL 人群趋势", "AIPL over time"), xLabels: trend.days.map(PageContext.short),
            series: trend.series.map { (StageLabel.of($0.stage, chinese: $0.chineseName, l), $0.values.map(Double.init)) },
            style: .count, stageColors: trend.series.map(\.stage), language: l)
        let last = trend.days.count - 1
        var trendRows: [[String]] = []
        for s in trend.series where last >= 0 {
            let first = s.values[0], end = s.values[last]
            trendRows.append([StageLabel.of(s.stage, chinese: s.chineseName, l), l.count(first), l.count(end), signed(end - first, l)])
        }
        var html = HTML.card(
            l.text("AIPL 人群资产趋势", "AIPL consumer assets over time"),
            note: c.periodNote + " · " + (weekly ? l.text("按周（每周日）", "weekly (Sundays)") : l.text("按天", "daily")),
            html: line + HTML.table([l.text("阶段", "Stage"), "\(trend.days.first.map { "\($0)" } ?? "")", "\(trend.days.last.map { "\($0)" } ?? "")",
                                     l.text("变化", "Change")], trendRows))

        // The flows: every stage at the start (column 0) to every stage at the end (column 1).
        // None → none is left out: it is everyone the brand knows but did not reach, and would
        // dwarf every real flow.
        let letters = ["-", "A", "I", "P", "L"]
        let names = flow.stages.map { StageLabel.of($0.stage, chinese: $0.chineseName, l) }
        var nodes: [DashboardCharts.Node] = []
        for (i, name) in names.enumerated() {
            nodes.append(.init(id: "s\(i)", label: name, column: 0, stage: letters[i] == "-" ? "none" : letters[i]))
        }
        for (i, name) in names.enumerated() {
            nodes.append(.init(id: "e\(i)", label: name, column: 1, stage: letters[i] == "-" ? "none" : letters[i]))
        }
        var links: [DashboardCharts.Link] = []
        for from in 0..<5 {
            for to in 0..<5 where !(from == 0 && to == 0) && flow.matrix[from][to] > 0 {
                links.append(.init(from: "s\(from)", to: "e\(to)", value: Double(flow.matrix[from][to])))
            }
        }
        let sankey = DashboardCharts.sankey(
            l.text("人群流转", "AIPL flows") + " \(flow.from) → \(flow.to)", nodes: nodes, links: links, language: l)
        let flowRows = flow.stages.map { s in
            [StageLabel.of(s.stage, chinese: s.chineseName, l), l.count(s.start), l.count(s.stayed), l.count(s.convertedOut), l.count(s.churned), l.count(s.end)]
        }
        html += HTML.card(
            l.text("人群流转", "Flows between stages"),
            note: l.text("从 \(flow.from) 日终到 \(flow.to) 日终；留存 + 转出 + 流失 = 期初。图中不画“无阶段 → 无阶段”，节点数字为画出的流量。",
                         "From the end of \(flow.from) to the end of \(flow.to); stayed + converted out + churned = start. None → none is not drawn; node numbers are the flows drawn."),
            html: sankey + HTML.table(
                [l.text("阶段", "Stage"), l.text("期初", "Start"), l.text("留存", "Stayed"), l.text("转出", "Converted out"),
                 l.text("流失", "Churned"), l.text("期末", "End")], flowRows))

        let top = categories.categories.sorted { $0.assets > $1.assets }.prefix(10)
        let stageLetters = ["A", "I", "P", "L"]
        let stageNames = [("A", "认知"), ("I", "兴趣"), ("P", "购买"), ("L", "忠诚")].map { StageLabel.of($0.0, chinese: $0.1, l) }
        let byCategory = DashboardCharts.bar(
            l.text("品类人群资产（前 10）", "Assets by category (top 10)"), categories: top.map(\.category),
            series: [
                (stageNames[0], top.map { Double($0.aware) }), (stageNames[1], top.map { Double($0.interested) }),
                (stageNames[2], top.map { Double($0.purchased) }), (stageNames[3], top.map { Double($0.loyal) }),
            ], style: .count, stacked: true, horizontal: true, stageColors: stageLetters, language: l, width: DashboardCharts.fullWidth)
        let categoryRows = categories.categories.sorted { $0.assets > $1.assets }.map { cat in
            [cat.category, l.count(cat.aware), l.count(cat.interested), l.count(cat.purchased), l.count(cat.loyal), l.count(cat.assets)]
        }
        html += HTML.card(
            l.text("品类人群资产", "AIPL by category"), note: c.asOfNote + l.text("；一位消费者可计入多个品类。", "; a consumer can count in several categories."),
            html: byCategory + HTML.table(["\(l.text("品类", "Category"))"] + stageNames + [l.text("资产", "Assets")], categoryRows))
        return html
    }

    static func signed(_ n: Int, _ l: DashboardLanguage) -> String { n > 0 ? "+" + l.count(n) : l.count(n) }
}
