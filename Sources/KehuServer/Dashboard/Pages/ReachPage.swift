import KehuActivation
import KehuAnalytics
import KehuCharts
import KehuModel

/// 触达: the reach plans (`kehu reach define`) with their sends and, for the plan chosen
/// (`plan=`, default the one whose send window starts last), its effect (treatment against the
/// holdout over `window=` days after each send, default 14d, as `kehu reach effect`) and its
/// scheduled sends by hour. Read-only: nothing is planned or delivered here.
enum ReachPage {
    static func render(_ c: PageContext) throws -> String {
        let l = c.language
        let plans = try ReachStore.plans(in: c.workspace)
        guard !plans.isEmpty else {
            return HTML.nothingYet(
                l.text("还没有触达计划", "No reach plans yet"),
                l.text("触达计划用命令行定义并排期，之后会出现在这里，附发送分布和效果：", "Reach plans are defined and scheduled with the CLI; they then show here with their send hours and effect:"),
                command: "kehu reach define 618券 --audience 加购未购 --content coupon-618 --channel tmall --window 2026-06-10..2026-06-18  ·  kehu reach plan 618券",
                note: l.text("人群先用 kehu audience define 定义（见“人群”页）。", "Define the audience first with kehu audience define (see Audiences)."))
        }
        let counts = try ReachStore.statusCounts(in: c.workspace)
        let chosen: ReachPlan
        if let name = c.query.values["plan"] {
            guard let found = plans.first(where: { $0.name == name }) else {
                throw AnalysisError.invalidParameter(parameter: "plan", value: name, reason: "no such reach plan; there are: \(plans.map(\.name).joined(separator: ", "))")
            }
            chosen = found
        } else {
            chosen = plans.max { ($0.window.days.first, $1.name) < ($1.window.days.first, $0.name) }!
        }
        let windowText = c.value("window", "14d")
        let digits = windowText.hasSuffix("d") ? String(windowText.dropLast()) : windowText
        guard let windowDays = Int(digits), (1...366).contains(windowDays) else {
            throw AnalysisError.invalidParameter(parameter: "window", value: windowText, reason: "expected 1d to 366d, e.g. 14d")
        }

        var html = HTML.card(
            l.text("触达计划", "Reach plans"), note: l.text("点计划名查看其效果；发送数来自排期（kehu reach plan）与投递（kehu reach deliver）。", "Pick a plan to see its effect; sends come from scheduling (kehu reach plan) and delivery (kehu reach deliver)."),
            html: planTable(c, plans: plans, counts: counts, chosen: chosen.name))
        let planned = try ReachStore.plannedAsOf(chosen.name, in: c.workspace)
        guard let planned else {
            return html + HTML.nothingYet(
                l.text("计划 \(chosen.name) 还没有排期", "Plan \(chosen.name) is not scheduled yet"),
                l.text("排期后这里显示每小时的发送数和触达效果：", "Once scheduled, its sends per hour and its effect show here:"),
                command: "kehu reach plan \(chosen.name)")
        }
        let sends = try ReachRun.currentSends(chosen.name, snapshot: c.snapshot, in: c.workspace)
        let effect = ReachEffect.compute(c.snapshot, plan: chosen.name, sends: sends, windowDays: windowDays)
        let form = HTML.parameterForm(
            action: DashboardPage.reach.path, query: c.query,
            fields: [("plan", l.text("计划", "Plan"), chosen.name, "", "text"), ("window", l.text("效果窗口", "Effect window"), windowText, "14d", "text")],
            choices: ["plan": plans.map(\.name)])
        html += HTML.card(
            l.text("计划 \(chosen.name)", "Plan \(chosen.name)"),
            note: l.text("人群 \(chosen.audience)（按 \(planned) 圈定）· 内容 \(chosen.content) · 渠道 \(chosen.channel) · 窗口 \(chosen.window) · 频控 \(chosen.cap) · 对照组 \(l.percent(chosen.holdoutShare))",
                         "Audience \(chosen.audience) (as of \(planned)) · content \(chosen.content) · channel \(chosen.channel) · window \(chosen.window) · cap \(chosen.cap) · holdout \(l.percent(chosen.holdoutShare))"),
            html: form)
        html += effectSection(c, effect: effect)
        html += hoursCard(c, plan: chosen, sends: sends)
        return html
    }

    /// Every plan with its send counts; the chosen one in bold, the others linked.
    static func planTable(_ c: PageContext, plans: [ReachPlan], counts: [String: [ReachStore.Status: Int]], chosen: String) -> String {
        let l = c.language
        let headers = [l.text("计划", "Plan"), l.text("渠道", "Channel"), l.text("内容", "Content"), l.text("发送窗口", "Send window"), l.text("人群", "Audience"),
                       l.text("待发送", "Scheduled"), l.text("已投递", "Delivered"), l.text("失败", "Failed"), l.text("对照组", "Held out")]
        var table = "<table><thead><tr>"
        for (i, header) in headers.enumerated() { table += "<th class=\"\(i >= 5 ? "num" : "")\">\(HTML.escape(header))</th>" }
        table += "</tr></thead><tbody>"
        for plan in plans.sorted(by: { ($0.window.days.first, $1.name) > ($1.window.days.first, $0.name) }) {
            let n = counts[plan.name] ?? [:]
            let href = c.query.link(DashboardPage.reach.path, ["plan": plan.name])
            let name = plan.name == chosen ? "<strong>\(HTML.escape(plan.name))</strong>" : "<a href=\"\(HTML.escape(href))\">\(HTML.escape(plan.name))</a>"
            let cells = [plan.channel.rawValue, plan.content, plan.window.description, plan.audience].map { "<td>\(HTML.escape($0))</td>" }
            let numbers = [n[.scheduled] ?? 0, n[.delivered] ?? 0, n[.failed] ?? 0, n[.holdout] ?? 0].map { "<td class=\"num\">\(l.count($0))</td>" }
            table += "<tr><td>\(name)</td>" + cells.joined() + numbers.joined() + "</tr>"
        }
        return table + "</tbody></table>"
    }

    /// Treatment against holdout: conversion and GMV per consumer as bars with their 95% intervals,
    /// and the uplift with its interval in a table.
    static func effectSection(_ c: PageContext, effect: ReachEffect) -> String {
        let l = c.language
        let t = effect.treatment, h = effect.holdout
        let groupNames = [l.text("触达组", "Treatment"), l.text("对照组", "Holdout")]
        // Each group's own 95% intervals: Wilson for conversion, Student t for the mean GMV.
        func wilson(_ g: ReachEffect.Group) -> ClosedRange<Double>? {
            guard g.consumers > 0 else { return nil }
            let (lower, upper) = EffectStatistics.wilson(g.converted, g.consumers)
            return lower...upper
        }
        func meanInterval(_ g: ReachEffect.Group) -> ClosedRange<Double>? {
            guard g.consumers >= 2 else { return nil }
            let half = EffectStatistics.studentTQuantile(0.975, df: Double(g.consumers - 1)) * (g.gmvVariance / Double(g.consumers)).squareRoot()
            return (g.gmvPerConsumerFen - half)...(g.gmvPerConsumerFen + half)
        }
        let conversionChart = DashboardCharts.barsWithIntervals(
            l.text("转化率（95% 区间）", "Conversion (95% interval)"), categories: [l.text("转化率", "Conversion")],
            series: [(groupNames[0], [t.conversion], [wilson(t)]), (groupNames[1], [h.conversion], [wilson(h)])], style: .percent, language: l)
        let gmvChart = DashboardCharts.barsWithIntervals(
            l.text("人均 GMV（95% 区间）", "GMV per consumer (95% interval)"), categories: [l.text("人均 GMV", "GMV per consumer")],
            series: [(groupNames[0], [t.gmvPerConsumerFen], [meanInterval(t)]), (groupNames[1], [h.gmvPerConsumerFen], [meanInterval(h)])],
            style: .moneyFen, language: l)
        // Percentage points: `+3.07 个百分点` in tables, `+3.07pp` in the tiles, where the long form wraps.
        func points(_ value: Double, short: Bool = false) -> String {
            let hundredths = Int((value * 10_000).rounded())
            let magnitude = abs(hundredths)
            return (hundredths < 0 ? "-" : "+") + "\(magnitude / 100).\(magnitude % 100 < 10 ? "0" : "")\(magnitude % 100)"
                + (short ? "pp" : l.text(" 个百分点", "pp"))
        }
        func yuan(_ fen: Double) -> String {
            let rounded = Int64(fen.rounded())
            return (rounded < 0 ? "-" : "+") + l.money(abs(rounded))
        }
        func relative(_ value: Double?) -> String {
            guard let value else { return "–" }
            return (value < 0 ? "" : "+") + l.percent(value)
        }
        let conversion = effect.conversionUplift, gmv = effect.gmvPerConsumerUpliftFen
        let conversionCI = conversion.lower.map { "[\(points($0)), \(points(conversion.upper!))]" } ?? "–"
        let conversionShortCI = conversion.lower.map { "[\(points($0, short: true)), \(points(conversion.upper!, short: true))]" } ?? "–"
        let gmvCI = gmv.lower.map { "[\(yuan($0)), \(yuan(gmv.upper!))]" } ?? "–"
        let tiles = HTML.kpis([
            .init(label: l.text("触达组转化率", "Treatment conversion"), value: l.percent(t.converted, of: t.consumers),
                  note: l.text("\(l.count(t.converted)) / \(l.count(t.consumers)) 人", "\(l.count(t.converted)) of \(l.count(t.consumers))")),
            .init(label: l.text("对照组转化率", "Holdout conversion"), value: l.percent(h.converted, of: h.consumers),
                  note: l.text("\(l.count(h.converted)) / \(l.count(h.consumers)) 人", "\(l.count(h.converted)) of \(l.count(h.consumers))")),
            .init(label: l.text("转化率提升", "Conversion uplift"), value: points(conversion.absolute, short: true), note: l.text("95% 区间 ", "95%: ") + conversionShortCI),
            .init(label: l.text("人均 GMV 提升", "GMV per consumer uplift"), value: yuan(gmv.absolute), note: l.text("95% 区间 ", "95%: ") + gmvCI),
        ])
        let groupRows = [(groupNames[0], t), (groupNames[1], h)].map { name, g in
            [name, l.count(g.consumers), l.count(g.converted), l.percent(g.converted, of: g.consumers), l.money(g.gmvFen),
             l.money(Int64(g.gmvPerConsumerFen.rounded()))]
        }
        let upliftRows = [
            [l.text("转化率", "Conversion"), l.percent(t.converted, of: t.consumers), l.percent(h.converted, of: h.consumers), points(conversion.absolute),
             relative(conversion.relative), conversionCI, "Newcombe (Wilson)"],
            [l.text("人均 GMV", "GMV per consumer"), l.money(Int64(t.gmvPerConsumerFen.rounded())), l.money(Int64(h.gmvPerConsumerFen.rounded())),
             yuan(gmv.absolute), relative(gmv.relative), gmvCI, "Welch t" + (effect.gmvDegreesOfFreedom.map { ", df \(Int($0.rounded()))" } ?? "")],
        ]
        var notes: [String] = []
        if let low = conversion.lower, let high = conversion.upper {
            notes.append(
                low > 0 ? l.text("转化率提升的区间在 0 以上：触达提高了转化。", "The conversion uplift's interval is above 0: the plan raised conversion.")
                    : high < 0 ? l.text("转化率提升的区间在 0 以下：触达降低了转化。", "The conversion uplift's interval is below 0: the plan lowered conversion.")
                    : l.text("转化率提升的区间包含 0：在 95% 水平上未显示效果。", "The conversion uplift's interval includes 0: no effect shown at 95%."))
        }
        if effect.windowPastData > 0 {
            notes.append(l.text(
                "\(l.count(effect.windowPastData)) 人的效果窗口超出数据（最后一天 \(effect.lastDataDay.map { "\($0)" } ?? "–")），数字可能还会增长。",
                "\(l.count(effect.windowPastData)) consumers' windows run past the data (last day \(effect.lastDataDay.map { "\($0)" } ?? "–")): figures may still grow."))
        }
        if effect.notInSnapshot > 0 {
            notes.append(l.text("\(l.count(effect.notInSnapshot)) 条发送未计入：其消费者已被 OneID 合并。", "\(l.count(effect.notInSnapshot)) sends are left out: their consumers were merged by OneID."))
        }
        let note = l.text("每人发送（或对照组的应发）时间后 \(effect.windowDays) 天内：支付即转化，GMV 为支付金额之和。触达组按意向处理（已排期即计入）。",
                          "Within \(effect.windowDays) days after each send (or would-be send): a payment converts; GMV sums payments. Treatment is intention to treat (every scheduled consumer).")
        return tiles
            + HTML.grid([
                HTML.card(l.text("转化率", "Conversion"), note: l.text("触达组与对照组，须线为各组 95% 置信区间（Wilson）。", "Treatment and holdout; whiskers are each group's 95% interval (Wilson)."), html: conversionChart),
                HTML.card(l.text("人均 GMV", "GMV per consumer"), note: l.text("须线为各组均值的 95% 置信区间（t）。", "Whiskers are each group's 95% interval of the mean (t)."), html: gmvChart),
            ])
            + HTML.card(
                l.text("触达效果", "Effect"), note: note,
                html: HTML.table([l.text("组", "Group"), l.text("人数", "Consumers"), l.text("转化人数", "Converted"), l.text("转化率", "Conversion"), "GMV",
                                  l.text("人均 GMV", "GMV per consumer")], groupRows)
                    + HTML.table([l.text("指标", "Metric"), l.text("触达组", "Treatment"), l.text("对照组", "Holdout"), l.text("提升", "Uplift"),
                                  l.text("相对提升", "Relative"), l.text("95% 区间", "95% interval"), l.text("方法", "Method")], upliftRows)
                    + notes.map { "<p class=\"muted\">\(HTML.escape($0))</p>" }.joined())
    }

    /// Scheduled sends (not the holdout) per hour of day, in the workspace's time zone.
    static func hoursCard(_ c: PageContext, plan: ReachPlan, sends: [ReachStore.StoredSend]) -> String {
        let l = c.language
        var perHour = [Int](repeating: 0, count: 24)
        for send in sends where !send.holdout { perHour[c.workspace.zone.hour(ofUTC: send.sendAt)] += 1 }
        let used = perHour.indices.filter { perHour[$0] > 0 }
        let first = min(plan.window.firstHour, used.first ?? plan.window.firstHour)
        let last = max(plan.window.lastHour, used.last ?? plan.window.lastHour)
        let hours = Array(first...last)
        let label = { (h: Int) in (h < 10 ? "0" : "") + "\(h):00" }
        let chart = DashboardCharts.bar(
            l.text("每小时发送数", "Sends per hour"), categories: hours.map(label),
            series: [(l.text("发送", "Sends"), hours.map { Double(perHour[$0]) })], style: .count, language: l, width: DashboardCharts.fullWidth)
        let total = perHour.reduce(0, +)
        return HTML.card(
            l.text("发送时段", "Send hours"),
            note: l.text("触达组的 \(l.count(total)) 条发送按发送时刻（\(c.workspace.zone.identifier)）；每人在允许时段内取其最活跃的小时。",
                         "The treatment's \(l.count(total)) sends by send time (\(c.workspace.zone.identifier)); each consumer goes at their most active allowed hour."),
            html: chart)
    }
}
