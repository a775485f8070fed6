import KehuAnalytics
import KehuCharts
import KehuModel
import KehuPlan

/// 活动节奏: the campaigns defined in the workspace (`kehu campaign define`) and, for the one
/// chosen, its report by phase: 种草 seeding, 长草 growing, 拔草 harvest, 养草 nurturing, with
/// the saved gap plan against the harvest. Without defined campaigns the page shows the latest
/// 双11 window in the data, or the window given as `harvest=D1..D2`, without saving anything.
enum CampaignsPage {
    static func render(_ c: PageContext) throws -> String {
        let l = c.language
        let defined = try PlanStore.campaigns(in: c.workspace)
        var campaign: CampaignDefinition
        var adHoc = false
        if let name = c.query.values["campaign"] {
            guard let found = defined.first(where: { $0.name == name }) else {
                throw AnalysisError.invalidParameter(
                    parameter: "campaign", value: name,
                    reason: defined.isEmpty ? "no campaign is defined; define one with kehu campaign define" : "no such campaign; there are: \(defined.map(\.name).joined(separator: ", "))")
            }
            campaign = found
        } else if let text = c.query.values["harvest"] {
            let harvest: DayRange
            do { harvest = try DayRange.parse(text) } catch {
                throw AnalysisError.invalidParameter(parameter: "harvest", value: text, reason: "expected D1..D2 (\(error))")
            }
            campaign = CampaignDefinition(name: "\(harvest)", harvest: harvest)
            adHoc = true
        } else if let latest = defined.max(by: { $0.harvest.first < $1.harvest.first }) {
            campaign = latest
        } else if let window = PlanGapPage.latestDouble11(in: c.dates.dataDays) {
            campaign = CampaignDefinition(name: l.text("双11 \(window.first.civil.year)", "Double 11 \(window.first.civil.year)"), harvest: window)
            adHoc = true
        } else {
            return HTML.card(
                l.text("活动", "Campaigns"), note: nil,
                html: "<p>\(HTML.escape(l.text("还没有定义活动。用 kehu campaign define --name 双11 --harvest 2026-11-01..2026-11-11 定义一个。", "No campaign is defined yet. Define one with kehu campaign define --name 1111 --harvest 2026-11-01..2026-11-11.")))</p>")
        }
        let plan: PlanStore.SavedPlan?
        if let planName = campaign.planName {
            plan = try PlanStore.plan(named: planName, in: c.workspace)
        } else {
            plan = try PlanStore.latestPlan(for: campaign.harvest, in: c.workspace)
        }
        let report = CampaignReport.compute(c.snapshot, campaign: campaign, plan: plan)

        var list = "<p>"
        if defined.isEmpty {
            list += HTML.escape(l.text("还没有定义活动；下面是数据中最近的双11窗口（未保存）。定义活动：kehu campaign define --name 双11 --harvest D1..D2",
                                       "No campaign is defined yet; below is the latest Double 11 window in the data (not saved). Define one: kehu campaign define --name 1111 --harvest D1..D2"))
        } else {
            list += defined.map { d in
                let href = c.query.link(DashboardPage.campaigns.path, ["campaign": d.name])
                let on = d.name == campaign.name && !adHoc
                return "<a href=\"\(HTML.escape(href))\">\(on ? "<strong>" : "")\(HTML.escape(d.name)) · \(d.harvest)\(on ? "</strong>" : "")</a>"
            }.joined(separator: " &nbsp;|&nbsp; ")
        }
        list += "</p>"
        list += HTML.parameterForm(
            action: DashboardPage.campaigns.path, query: c.query,
            fields: [("harvest", l.text("查看任一拔草窗口", "Any harvest window"), adHoc ? "\(campaign.harvest)" : "", "2026-11-01..2026-11-11", "text")])

        let phaseName = { (p: CampaignDefinition.Phase) in l.text(p.chineseName, p.name) }
        let phases = report.phases
        let stageNames = [("A", "认知"), ("I", "兴趣"), ("P", "购买"), ("L", "忠诚")]
        let stageChart = DashboardCharts.bar(
            l.text("各阶段结束时的 AIPL 人群", "AIPL at the end of each phase"), categories: phases.map { phaseName($0.phase) },
            series: stageNames.enumerated().map { i, s in (StageLabel.of(s.0, chinese: s.1, l), phases.map { Double($0.stagesAtEnd[i + 1]) }) },
            style: .count, stacked: true, stageColors: stageNames.map(\.0), language: l)
        let gmvChart = DashboardCharts.bar(
            l.text("各阶段 GMV", "GMV per phase"), categories: phases.map { phaseName($0.phase) },
            series: [("GMV", phases.map { Double($0.gmvFen) })], style: .moneyFen, language: l)
        let phaseRows = phases.map { p in
            [phaseName(p.phase), "\(p.days.first) – \(p.days.last)"]
                + (1...4).map { "\(l.count(p.stagesAtStart[$0])) → \(l.count(p.stagesAtEnd[$0]))" }
                + [l.count(p.reach.reduce(0) { $0 + $1.consumersReached }), l.count(p.buyers), l.money(p.gmvFen)]
        }
        var notes = l.text("A/I/P/L：阶段前一天 → 阶段最后一天。触达：各渠道曝光、点击或内容浏览的消费者之和。", "A/I/P/L: the day before the phase → its last day. Reached: consumers with an impression, click or content view, summed over channels.")
        if let through = report.dataThrough, let last = phases.last, through < last.days.last {
            notes += l.text(" 数据截至 \(through)，之后的天数尚未进来。", " The data ends \(through): later days are not in yet.")
        }
        var html = HTML.card(l.text("活动", "Campaigns"), note: nil, html: list)
            + HTML.grid([
                HTML.card(l.text("人群蓄水", "Building the pool"), note: "\(campaign.name) · \(l.text("拔草", "harvest")) \(campaign.harvest)", html: stageChart),
                HTML.card(l.text("成交", "Sales"), note: "\(campaign.name)", html: gmvChart),
            ])
            + HTML.card(
                l.text("节奏：种草 / 长草 / 拔草 / 养草", "Rhythm: seeding / growing / harvest / nurturing"), note: notes,
                html: HTML.table([l.text("阶段", "Phase"), l.text("日期", "Days"), "A", "I", "P", "L", l.text("触达", "Reached"), l.text("买家", "Buyers"), "GMV"],
                                 phaseRows, leftColumns: 2))
        if let comparison = report.plan {
            let rows = comparison.lines.map { line in
                [StageLabel.of(line.group.name, chinese: line.group.chineseName, l), l.count(line.plannedBuyers), l.count(line.actualBuyers),
                 l.money(line.plannedGMVFen), l.money(line.actualGMVFen)]
            }
            html += HTML.card(
                l.text("计划对比实际：\(comparison.planName)", "Plan against actual: \(comparison.planName)"),
                note: l.text("目标 \(l.money(comparison.targetFen)) · 资产预期 \(l.money(comparison.expectedGMVFen)) · 实际 \(l.money(comparison.actualGMVFen))（目标的 \(l.percent(comparison.targetFen > 0 ? Double(comparison.actualGMVFen) / Double(comparison.targetFen) : nil))）",
                             "Target \(l.money(comparison.targetFen)) · expected \(l.money(comparison.expectedGMVFen)) · actual \(l.money(comparison.actualGMVFen)) (\(l.percent(comparison.targetFen > 0 ? Double(comparison.actualGMVFen) / Double(comparison.targetFen) : nil)) of target)"),
                html: HTML.table([l.text("人群", "Group"), l.text("计划买家", "Planned buyers"), l.text("实际买家", "Actual buyers"),
                                  l.text("计划 GMV", "Planned GMV"), l.text("实际 GMV", "Actual GMV")], rows))
        } else {
            html += HTML.card(
                l.text("计划对比实际", "Plan against actual"), note: nil,
                html: "<p class=\"muted\">\(HTML.escape(l.text("这个拔草窗口还没有保存的目标拆解：kehu plan gap --campaign \(campaign.harvest) --target 500万 --save 计划名", "No gap plan is saved for this harvest: kehu plan gap --campaign \(campaign.harvest) --target 5000000 --save NAME")))</p>")
        }
        return html
    }
}
