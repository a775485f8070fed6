import KehuAnalytics
import KehuCharts

/// 漏斗: a funnel over the period (default 浏览 → 加购 → 下单 → 支付, 7-day window, ordered as
/// ClickHouse's windowFunnel), its steps, and conversion by the step-1 event's channel. The
/// steps, window, mode and breakdown are editable in the page's form.
enum FunnelPage {
    static let defaults = ["steps": "view,cart,order,pay", "window": "7d", "strict": "false", "by": "channel"]

    static func render(_ c: PageContext) throws -> String {
        let l = c.language
        let values = defaults.merging(c.query.pageValues.filter { defaults.keys.contains($0.key) }) { $1 }
        let form = HTML.card(
            l.text("漏斗设置", "Funnel settings"),
            note: l.text("步骤为事件类型（可加条件，如 view[channel=tmall]），按顺序用逗号分隔；窗口从第一步起算。",
                         "Steps are event kinds (with optional conditions, e.g. view[channel=tmall]) in order, comma-separated; the window runs from step 1."),
            html: HTML.parameterForm(
                action: DashboardPage.funnel.path, query: c.query,
                fields: [
                    ("steps", l.text("步骤", "Steps"), values["steps"]!, defaults["steps"]!, "text"),
                    ("window", l.text("转化窗口", "Window"), values["window"]!, "7d", "text"),
                    ("strict", l.text("严格顺序", "Strict order"), values["strict"]!, "", "text"),
                    ("by", l.text("拆分", "Break down by"), values["by"]!, "", "text"),
                ],
                choices: ["strict": ["false", "true"], "by": ["channel", "touchpoint", "none"]]))
        var arguments = c.periodValues
        for (name, value) in values where !(name == "by" && value == "none") { arguments[name] = value }
        let report: FunnelReport
        do { report = try c.run("funnel", arguments, as: FunnelReport.self) } catch {
            throw PageFailure(html: form + HTML.errorCard(DashboardRoutes.message(error), language: l))
        }
        let stepName = { (row: FunnelReport.Step) in l.text("\(row.step). \(row.chineseName)", "\(row.step). \(row.label)") }
        let chart = DashboardCharts.funnel(
            l.text("转化漏斗", "Conversion funnel"), steps: report.rows.map { (stepName($0), Double($0.consumers)) }, language: l)
        let rows = report.rows.map { row -> [String] in
            [stepName(row), row.label, l.count(row.consumers), l.percent(row.conversionFromFirst),
             row.step == 1 ? "" : l.percent(row.conversionFromPrevious), row.step == 1 ? "" : l.count(row.dropOff),
             row.step == 1 ? "" : Figures.duration(ms: row.medianMs), row.step == 1 ? "" : Figures.duration(ms: row.p90Ms)]
        }
        var notes = [l.text("每位消费者按一条链到达的最深步骤计一次。", "A consumer counts once, at the deepest step one chain reached.")]
        if let incomplete = report.incompleteFrom {
            notes.append(l.text("\(incomplete) 起开始的链还没走完窗口（数据截至 \(report.dataLastDay)），仍可能转化。",
                                "Chains starting from \(incomplete) have not had their whole window (data ends \(report.dataLastDay)): they may still convert."))
        }
        var html = form + HTML.card(
            l.text("转化漏斗", "Funnel"), note: HTML.parameterLine(report.parameters),
            html: chart + HTML.table(
                [l.text("步骤", "Step"), l.text("事件", "Event"), l.text("人数", "Consumers"), l.text("较第一步", "From step 1"),
                 l.text("较上一步", "From previous"), l.text("流失", "Drop-off"), l.text("中位时长", "Median time"), l.text("P90 时长", "P90 time")],
                rows, leftColumns: 2) + notes.map { "<p class=\"muted\">\(HTML.escape($0))</p>" }.joined())
        if let field = report.breakdownField, !report.breakdown.isEmpty {
            let segments = Array(report.breakdown.prefix(12))
            let bars = DashboardCharts.bar(
                l.text("各\(field == "channel" ? "渠道" : "触点")转化率", "Conversion by \(field)"), categories: segments.map(\.value),
                series: [(l.text("第一步到最后一步", "Step 1 to last step"), segments.map { $0.conversion ?? 0 })], style: .percent, language: l, width: DashboardCharts.fullWidth)
            let splitRows = report.breakdown.map { s in [s.value] + s.consumers.map { l.count($0) } + [l.percent(s.conversion)] }
            html += HTML.card(
                l.text("按第一步的\(field == "channel" ? "渠道" : "触点")拆分", "By \(field) of the step-1 event"), note: nil,
                html: bars + HTML.table([field == "channel" ? l.text("渠道", "Channel") : l.text("触点", "Touchpoint")] + report.rows.map(stepName) + [l.text("转化率", "Conversion")], splitRows))
        }
        return html
    }
}
