import KehuAnalytics
import KehuCharts

/// 留存: cohorts by first purchase (or first visit) per month or week as a heatmap, and the
/// buyer lifecycle (new / returning / resurrecting / dormant) per interval, through the as-of day.
enum RetentionPage {
    static let defaults = ["period": "month", "cohort": "first-purchase", "return": "purchase", "cumulative": "false"]

    static func render(_ c: PageContext) throws -> String {
        let l = c.language
        let values = defaults.merging(c.query.pageValues.filter { defaults.keys.contains($0.key) }) { $1 }
        let form = HTML.card(
            l.text("留存设置", "Retention settings"), note: c.asOfNote,
            html: HTML.parameterForm(
                action: DashboardPage.retention.path, query: c.query,
                fields: [
                    ("period", l.text("周期", "Period"), values["period"]!, "", "text"),
                    ("cohort", l.text("同期群", "Cohort by"), values["cohort"]!, "", "text"),
                    ("return", l.text("回访事件", "Return event"), values["return"]!, "", "text"),
                    ("cumulative", l.text("累计（此后任一期）", "Cumulative"), values["cumulative"]!, "", "text"),
                ],
                choices: [
                    "period": CalendarPeriod.allCases.map(\.rawValue), "cohort": RetentionCohort.allCases.map(\.rawValue),
                    "return": RetentionReturn.allCases.map(\.rawValue), "cumulative": ["false", "true"],
                ]))
        let retention: RetentionReport
        let lifecycle: LifecycleReport
        do {
            retention = try c.run("retention", values.merging(["to": "\(c.dates.asOf)"]) { $1 }, as: RetentionReport.self)
            lifecycle = try c.run("lifecycle", ["period": values["period"]!, "to": "\(c.dates.asOf)"], as: LifecycleReport.self)
        } catch {
            throw PageFailure(html: form + HTML.errorCard(DashboardRoutes.message(error), language: l))
        }
        let unit = retention.period == .month ? l.text("月", "month ") : l.text("周", "week ")
        let columns = retention.cohorts.map(\.periods.count).max() ?? 0
        let heatmap = DashboardCharts.heatmap(
            l.text("同期群留存率", "Cohort retention"),
            rowLabels: retention.cohorts.map { "\($0.label) (\(l.count($0.size)))" },
            columnLabels: (0..<columns).map { l == .zh ? "第\($0)\(unit)" : "\(unit)\($0)" },
            values: retention.cohorts.map { cohort in (0..<columns).map { k in cohort.periods[safe: k].flatMap { $0.complete ? $0.share : nil } } },
            language: l)
        let averageRow = [l.text("平均", "Average"), ""] + (0..<columns).map { l.percent(retention.average[safe: $0] ?? nil) }
        let rows = retention.cohorts.map { cohort in
            [cohort.label, l.count(cohort.size)] + (0..<columns).map { k -> String in
                guard let cell = cohort.periods[safe: k] else { return "" }
                return l.percent(cell.share) + (cell.complete ? "" : "*")
            }
        } + [averageRow]
        var html = form + HTML.card(
            l.text("留存", "Retention"), note: HTML.parameterLine(retention.parameters),
            html: heatmap + HTML.table([l.text("同期群", "Cohort"), l.text("人数", "Size")] + (0..<columns).map { "\($0)" }, rows, leftColumns: 1, totalRows: 1)
                + "<p class=\"muted\">\(HTML.escape(l.text("* 该期尚未结束。空白格：尚未到达。", "* the period is not over yet. Blank: not reached yet.")))</p>")

        let intervals = lifecycle.intervals
        let bars = DashboardCharts.bar(
            l.text("买家生命周期", "Buyer lifecycle"), categories: intervals.map(\.label),
            series: [
                (l.text("新客", "New"), intervals.map { Double($0.new) }),
                (l.text("留存", "Returning"), intervals.map { Double($0.returning) }),
                (l.text("回流", "Resurrecting"), intervals.map { Double($0.resurrecting) }),
            ], style: .count, stacked: true, language: l, width: DashboardCharts.fullWidth)
        let lifecycleRows = intervals.map { i in
            [i.label + (i.complete ? "" : "*"), l.count(i.buyers), l.count(i.new), l.count(i.returning), l.count(i.resurrecting),
             l.count(i.dormant), i.quickRatio.map { String(format: "%.2f", $0) } ?? "–"]
        }
        html += HTML.card(
            l.text("生命周期", "Lifecycle"),
            note: l.text("流失：上期买过、本期未买；Quick ratio = (新客 + 回流) / 流失。", "Dormant: bought last interval, not this one; quick ratio = (new + resurrecting) / dormant."),
            html: bars + HTML.table(
                [l.text("区间", "Interval"), l.text("买家", "Buyers"), l.text("新客", "New"), l.text("留存", "Returning"),
                 l.text("回流", "Resurrecting"), l.text("流失", "Dormant"), "Quick ratio"], lifecycleRows))
        return html
    }
}
