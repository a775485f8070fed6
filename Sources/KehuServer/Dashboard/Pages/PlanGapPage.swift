import KehuAnalytics
import KehuCharts
import KehuModel
import KehuPlan

/// 目标拆解: the GMV gap deduction (`plan-gap`). The form starts from defaults taken from the
/// data: the latest 双11 harvest window (11-01 ... 11-11) in it, a target of 1.2 × the GMV the
/// current assets are expected to bring in it (rounded up to 万, so there is a gap to close), and
/// example costs per added consumer.
enum PlanGapPage {
    static let names = ["target", "campaign", "reference", "costs", "capacity"]
    /// Costs per added consumer, in yuan, that the form starts with (to be replaced with the
    /// brand's own).
    static let exampleCosts = "none=1,A=2,I=3,P=5,L=5,new=8"

    static func render(_ c: PageContext) throws -> String {
        let l = c.language
        var values = c.query.pageValues.filter { names.contains($0.key) }
        if values["campaign"] == nil, let window = latestDouble11(in: c.dates.dataDays) {
            values["campaign"] = "\(window)"
            if values["costs"] == nil { values["costs"] = exampleCosts }
            // The expected GMV does not depend on the target: a first run with any target gives it.
            if values["target"] == nil,
                let probe = try? c.run("plan-gap", values.merging(["target": "1"]) { $1 }, as: GapPlan.self)
            {
                values["target"] = suggestedTarget(referenceGMVFen: probe.expectedGMVFen)
            }
        }
        let form = HTML.card(
            l.text("拆解设置", "Plan settings"),
            note: l.text("目标 GMV（元，可写 500万）；活动窗口 D1..D2；参照窗口默认为一年前同期；成本为每增加一位消费者的元数（示例值，请按实际填写）。",
                         "Target GMV in yuan (500万 works); campaign window D1..D2; the reference defaults to the same days a year earlier; costs are yuan per added consumer (example values: use your own)."),
            html: HTML.parameterForm(
                action: DashboardPage.plan.path, query: c.query,
                fields: [
                    ("target", l.text("目标 GMV", "Target GMV"), values["target"] ?? "", "500万", "text"),
                    ("campaign", l.text("活动窗口", "Campaign"), values["campaign"] ?? "", "2026-11-01..2026-11-11", "text"),
                    ("reference", l.text("参照窗口", "Reference"), values["reference"] ?? "", l.text("一年前同期", "a year earlier"), "text"),
                    ("costs", l.text("单人成本（元）", "Cost per consumer (yuan)"), values["costs"] ?? "", "A=2,I=3", "text"),
                    ("capacity", l.text("可增加上限", "Capacity"), values["capacity"] ?? "", "A=100000", "text"),
                ]))
        let plan: GapPlan
        do { plan = try c.run("plan-gap", values, as: GapPlan.self) } catch {
            throw PageFailure(html: form + HTML.errorCard(DashboardRoutes.message(error), language: l))
        }
        let p = plan.parametersUsed
        let groupName = { (g: PlanGroup) in StageLabel.of(g.name, chinese: g.chineseName, l) }
        var kpis: [HTML.KPI] = [
            .init(label: l.text("目标 GMV", "Target GMV"), value: l.compactMoney(p.targetFen), note: "\(p.campaign)"),
            .init(label: l.text("现有资产预期", "Expected from assets"), value: l.compactMoney(plan.expectedGMVFen),
                  note: l.text("预期买家 ", "buyers ") + l.count(plan.expectedBuyers)),
            .init(label: plan.gapFen > 0 ? l.text("缺口", "Gap") : l.text("盈余", "Surplus"), value: l.compactMoney(Int64(plan.gapFen.magnitude)),
                  note: l.text("目标 − 预期", "target − expected")),
        ]
        if let allocation = plan.allocation {
            kpis.append(.init(label: l.text("最省分配成本", "Cheapest allocation"), value: l.compactMoney(allocation.costFen),
                              note: l.text("增加 ", "adds ") + l.count(allocation.lines.reduce(Int64(0)) { $0 + $1.consumers }) + l.text(" 人", " consumers")))
        }
        let expectedChart = DashboardCharts.bar(
            l.text("各人群预期 GMV", "Expected GMV per group"), categories: plan.groups.map { groupName($0.group) },
            series: [(l.text("预期 GMV", "Expected GMV"), plan.groups.map { Double($0.expectedGMVFen) })], style: .moneyFen,
            stageColors: plan.groups.map(\.group.name), language: l)
        let closing: String
        if let allocation = plan.allocation {
            let used = allocation.lines.filter { $0.consumers > 0 }
            closing = DashboardCharts.bar(
                l.text("缺口分配：各人群补足的 GMV", "Gap closed by each group"), categories: used.map { groupName($0.group) },
                series: [(l.text("补足 GMV", "GMV covered"), used.map { Double($0.value) / 10_000 })], style: .moneyFen, language: l)
        } else {
            let closable = plan.groups.filter { $0.extraToCloseAlone != nil }
            closing = DashboardCharts.bar(
                l.text("单一人群补足缺口所需人数", "Consumers needed if one group closed the gap"), categories: closable.map { groupName($0.group) },
                series: [(l.text("所需人数", "Consumers"), closable.map { Double($0.extraToCloseAlone ?? 0) })], style: .count,
                stageColors: closable.map(\.group.name), language: l)
        }
        let chainRows = plan.groups.map { g in
            [groupName(g.group), l.count(g.referenceConsumers), l.count(g.referenceBuyers), l.percent(g.conversion),
             g.averageOrderValueFen.map(l.money) ?? "–", fine(g.valuePerConsumer, l), l.count(g.currentConsumers), l.count(g.expectedBuyers),
             l.money(g.expectedGMVFen), g.extraToCloseAlone.map { l.count($0) } ?? "–"]
        } + [[l.text("合计", "Total"), l.count(plan.reference.groups.reduce(0) { $0 + $1.consumers }), l.count(plan.reference.buyers), "", "", "",
              l.count(plan.groups.reduce(0) { $0 + $1.currentConsumers }), l.count(plan.expectedBuyers), l.money(plan.expectedGMVFen), ""]]
        var html = form + HTML.kpis(kpis)
            + HTML.grid([
                HTML.card(l.text("预期 GMV", "Expected GMV"), note: l.text("资产截至 \(p.asOf)", "Assets as of \(p.asOf)"), html: expectedChart),
                HTML.card(l.text("补足缺口", "Closing the gap"), note: plan.allocationNote, html: closing),
            ])
            + HTML.card(
                l.text("推演链路", "The chain"),
                note: l.text("参照 \(p.reference)：各人群的转化率与客单价；乘以截至 \(p.asOf) 的现有人数得到预期。",
                             "Reference \(p.reference): each group's conversion and AOV, applied to the consumers as of \(p.asOf)."),
                html: HTML.table(
                    [l.text("人群", "Group"), l.text("参照人数", "Ref. consumers"), l.text("参照买家", "Ref. buyers"), l.text("转化率", "Conversion"),
                     l.text("客单价", "AOV"), l.text("人均价值", "Value per consumer"), l.text("现有人数", "Consumers now"),
                     l.text("预期买家", "Expected buyers"), l.text("预期 GMV", "Expected GMV"), l.text("单独补缺口需增", "Needed alone")],
                    chainRows, totalRows: 1))
        if let allocation = plan.allocation {
            let rows = allocation.lines.map { line in
                [groupName(line.group), plan.groups[line.group.rawValue].costPerConsumerFen.map(l.money) ?? "–",
                 plan.groups[line.group.rawValue].capacity.map { l.count($0) } ?? l.text("不限", "no limit"), l.count(line.consumers),
                 l.money(line.costFen), fine(line.value, l)]
            } + [[l.text("合计", "Total"), "", "", l.count(allocation.lines.reduce(Int64(0)) { $0 + $1.consumers }), l.money(allocation.costFen),
                  fine(allocation.value, l)]]
            html += HTML.card(
                l.text("最省分配", "Cheapest allocation"),
                note: allocation.provenOptimal ? l.text("已证明为最省。", "Proven cheapest.") : l.text("搜索达到上限：显示找到的最好分配。", "The search hit its budget: the best allocation found."),
                html: HTML.table([l.text("人群", "Group"), l.text("单人成本", "Cost each"), l.text("上限", "Capacity"), l.text("增加人数", "Added"),
                                  l.text("成本", "Cost"), l.text("补足 GMV", "GMV covered")], rows, totalRows: 1))
        }
        if !plan.assumptions.isEmpty {
            html += HTML.card(l.text("假设", "Assumptions"), note: nil, html: "<ol>" + plan.assumptions.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ol>")
        }
        return html
    }

    /// 0.0001 fen as money rounded to the fen.
    static func fine(_ units: Int64, _ l: DashboardLanguage) -> String {
        l.money(units / 10_000 + (units % 10_000 >= 5_000 ? 1 : 0))
    }

    /// The latest 双11 harvest window (11-01 ... 11-11) that starts within the data.
    static func latestDouble11(in data: DayRange) -> DayRange? {
        var year = data.last.civil.year
        while year >= data.first.civil.year {
            let window = DayRange(Day(year: year, month: 11, day: 1), Day(year: year, month: 11, day: 11))
            if data.contains(window.first) { return window }
            year -= 1
        }
        return nil
    }

    /// 1.2 × an expected GMV, rounded up to whole 万 yuan (`"1234万"`, as the target field
    /// reads it); nil without expected sales.
    static func suggestedTarget(referenceGMVFen: Int64) -> String? {
        guard referenceGMVFen > 0 else { return nil }
        let wanFen: Int64 = 1_000_000
        let target = referenceGMVFen * 12 / 10
        return "\((target + wanFen - 1) / wanFen)万"
    }
}
