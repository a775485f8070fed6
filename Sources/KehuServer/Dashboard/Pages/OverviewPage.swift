import KehuAnalytics
import KehuCharts

/// 总览: KPI tiles (consumers, AIPL assets, GMV, buyers, AOV, FAST), the AIPL composition, the
/// customer-operations view (新访 / 回访 / 老客) and the nine metrics.
enum OverviewPage {
    static func render(_ c: PageContext) throws -> String {
        let l = c.language
        let aipl = try c.run("aipl", ["as-of": "\(c.dates.asOf)"], as: AIPLReport.self)
        let fast = try c.run("fast", ["as-of": "\(c.dates.asOf)"], as: FASTReport.self)
        let visitors = try c.run("visitors", c.periodValues, as: VisitorReport.self)
        let nine = try c.run("nine", c.periodValues, as: NineMetricsReport.self)
        let f = fast.figures
        let consumers = aipl.counts.reduce(0) { $0 + $1.consumers }

        var html = HTML.kpis([
            .init(label: l.text("消费者", "Consumers"), value: l.count(consumers), note: c.asOfNote),
            .init(label: l.text("AIPL 资产", "AIPL assets"), value: l.count(aipl.assets), note: "A+I+P+L"),
            .init(label: "GMV", value: l.compactMoney(visitors.totalGmvFen), note: l.text("周期内", "in the period")),
            .init(label: l.text("买家", "Buyers"), value: l.count(visitors.buyers), note: l.text("周期内有支付", "paid in the period")),
            .init(label: l.text("客单价", "AOV"),
                  value: visitors.buyers > 0 ? l.money(roundedDivision(visitors.totalGmvFen, visitors.buyers)) : "–", note: "GMV / " + l.text("买家", "buyers")),
            .init(label: "F " + l.text("可运营人群", "Fertility"), value: l.count(f.fertility), note: "FAST"),
            .init(label: "A " + l.text("人群转化率", "Advancing"), value: l.percent(f.advancingRate),
                  note: l.text("基数 ", "of ") + l.count(f.advancingBase)),
            .init(label: "S " + l.text("超级用户", "Superiority"), value: l.count(f.members), note: l.text("会员", "members")),
            .init(label: "T " + l.text("超级用户活跃率", "Thriving"), value: l.percent(f.thrivingRate),
                  note: l.text("活跃会员 ", "active ") + l.count(f.activeMembers)),
        ])

        let stages = aipl.counts.filter { $0.stage != "-" && $0.stage != "none" }
        let composition = DashboardCharts.bar(
            l.text("AIPL 人群构成", "AIPL composition"), categories: [l.text("资产", "Assets")],
            series: stages.map { (StageLabel.of($0.stage, chinese: $0.chineseName, l), [Double($0.consumers)]) },
            style: .count, stacked: true, horizontal: true, stageColors: stages.map(\.stage), language: l, width: 640, height: 170)
        var stageRows = stages.map { [StageLabel.of($0.stage, chinese: $0.chineseName, l), l.count($0.consumers), l.percent($0.shareOfAssets)] }
        stageRows.append([l.text("合计", "Total"), l.count(aipl.assets), "100.0%"])
        html += HTML.card(
            l.text("AIPL 人群资产", "AIPL consumer assets"), note: c.asOfNote,
            html: HTML.split(composition, HTML.table([l.text("阶段", "Stage"), l.text("人数", "Consumers"), l.text("占资产", "Share")], stageRows, totalRows: 1)))

        let classNames = visitors.classes.map { className($0, l) }
        let visitorChart = DashboardCharts.bar(
            l.text("访客与买家", "Visitors and buyers"), categories: classNames,
            series: [(l.text("访客", "Visitors"), visitors.classes.map { Double($0.visitors) }),
                     (l.text("买家", "Buyers"), visitors.classes.map { Double($0.buyers) })],
            style: .count, language: l)
        let pathChart = DashboardCharts.bar(
            l.text("GMV 增长路径", "GMV by growth path"), categories: visitors.growthPaths.map { l.text($0.chineseName, $0.name) },
            series: [("GMV", visitors.growthPaths.map { Double($0.gmvFen) })], style: .moneyFen, horizontal: true, language: l)
        var classRows = visitors.classes.map { row in
            [className(row, l), l.count(row.visitors), l.count(row.buyers), l.percent(row.conversion), row.aovFen.map(l.money) ?? "–", l.money(row.gmvFen)]
        }
        classRows.append([l.text("合计", "Total"), l.count(visitors.visitors), l.count(visitors.buyers), "", "", l.money(visitors.totalGmvFen)])
        let visitorTable = HTML.table(
            [l.text("访客类型", "Visitor class"), l.text("访客", "Visitors"), l.text("买家", "Buyers"), l.text("转化率", "Conversion"),
             l.text("客单价", "AOV"), "GMV"], classRows, totalRows: 1)
        let revisits = visitors.revisits
        let revisitNote = l.text(
            "未购客户回访：上一周期未购访客 \(l.count(revisits.previousNonBuyingVisitors))，回访率 \(l.percent(revisits.revisitRate))，召回购买率 \(l.percent(revisits.recallRate))。",
            "Non-buying visitors of the previous period: \(l.count(revisits.previousNonBuyingVisitors)); revisit rate \(l.percent(revisits.revisitRate)), recall rate \(l.percent(revisits.recallRate)).")
        html += HTML.grid([
            HTML.card(l.text("访客视角（新访 / 回访 / 老客）", "Customer-operations view"), note: c.periodNote, html: visitorChart + visitorTable),
            HTML.card(l.text("增长路径", "Growth paths"), note: c.periodNote, html: pathChart + "<p class=\"muted\">\(HTML.escape(revisitNote))</p>"),
        ])

        var nineRows = nine.groups.map { g -> [String] in
            [l.text(g.chineseName, standingName(g.group)), g.consumersAtStart.map(l.count) ?? "–", l.count(g.traffic), l.count(g.buyers),
             l.percent(g.conversion), g.aovFen.map(l.money) ?? "–", l.money(g.gmvFen)]
        }
        nineRows.append([l.text("无访问买家", "Buyers without a visit"), "", "", l.count(nine.buyersWithoutVisit), "", "", l.money(nine.buyersWithoutVisitGmvFen)])
        nineRows.append([l.text("合计", "Total"), "", "", "", "", "", l.money(nine.totalGmvFen)])
        html += HTML.card(
            l.text("九宫格指标（新客 / 老客 / 休眠 × 流量 / 转化率 / 客单价）", "The nine metrics (new / old / dormant × traffic / conversion / AOV)"),
            note: c.periodNote + " · " + l.text("休眠：\(nine.dormantDays) 天未活跃", "dormant: inactive \(nine.dormantDays) days"),
            html: HTML.table(
                [l.text("人群", "Group"), l.text("期初人数", "At start"), l.text("流量", "Traffic"), l.text("买家", "Buyers"),
                 l.text("转化率", "Conversion"), l.text("客单价", "AOV"), "GMV"], nineRows, totalRows: 1)
                + "<p class=\"muted\">GMV = \(l.text("流量 × 转化率 × 客单价", "traffic × conversion × AOV"))\(nine.groups.allSatisfy(\.reconciles) ? l.text("，已对账。", "; reconciled.") : "")</p>")
        return html
    }

    static func className(_ row: VisitorReport.ClassRow, _ l: DashboardLanguage) -> String {
        l.text(row.chineseName, VisitorClass.allCases.first { $0.key == row.visitorClass }?.englishName ?? row.visitorClass)
    }

    static func standingName(_ key: String) -> String {
        CustomerStanding.allCases.first { $0.key == key }?.englishName ?? key
    }
}

/// `numerator / denominator` rounded half up (money per buyer, exact in fen).
func roundedDivision(_ numerator: Int64, _ denominator: Int) -> Int64 {
    guard denominator > 0 else { return 0 }
    let d = Int64(denominator)
    return (numerator * 2 + d) / (d * 2)
}
