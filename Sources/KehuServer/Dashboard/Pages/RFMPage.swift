import KehuAnalytics
import KehuCharts

/// RFM: customers per named segment (the R `rfm` package's table) and the Chinese eight classes
/// (重要价值 ... 一般挽留) with their share of spend, as of the as-of day over 365 days.
enum RFMPage {
    static func render(_ c: PageContext) throws -> String {
        let l = c.language
        let days = c.value("days", "365")
        let rfm = try c.run("rfm", ["as-of": "\(c.dates.asOf)", "days": days], as: RFMReport.self)
        let kpis = HTML.kpis([
            .init(label: l.text("有购客户", "Customers"), value: l.count(rfm.customers), note: l.text("近 \(rfm.days) 天有支付", "paid in \(rfm.days) days")),
            .init(label: l.text("净支付金额", "Net paid"), value: l.compactMoney(rfm.totalMonetaryFen), note: "M"),
            .init(label: l.text("平均最近购买", "Mean recency"), value: l.text(String(format: "%.0f 天", rfm.meanRecencyDays), String(format: "%.0f days", rfm.meanRecencyDays)), note: "R"),
            .init(label: l.text("平均订单数", "Mean orders"), value: String(format: "%.2f", rfm.meanFrequency), note: "F"),
            .init(label: l.text("人均金额", "Mean spend"), value: l.money(Int64(rfm.meanMonetaryFen.rounded())), note: "M"),
        ])
        let segments = rfm.segments.filter { $0.customers > 0 }
        let segmentName = { (g: RFMReport.Group) in l.text(g.chineseName, g.name) }
        let segmentBars = DashboardCharts.bar(
            l.text("客户分群人数", "Customers per segment"), categories: segments.map(segmentName),
            series: [(l.text("客户", "Customers"), segments.map { Double($0.customers) })],
            style: .count, horizontal: true, language: l)
        let classBars = DashboardCharts.bar(
            l.text("八类客户：人数与金额占比", "Eight classes: share of customers and of spend"), categories: rfm.valueClasses.map(segmentName),
            series: [(l.text("人数占比", "Customers"), rfm.valueClasses.map { $0.share ?? 0 }),
                     (l.text("金额占比", "Spend"), rfm.valueClasses.map { $0.monetaryShare ?? 0 })],
            style: .percent, horizontal: true, language: l)
        let headers = [l.text("分群", "Group"), l.text("客户", "Customers"), l.text("占比", "Share"), l.text("金额", "Spend"),
                       l.text("金额占比", "Spend share"), l.text("平均 R（天）", "Mean R (days)"), l.text("平均 F", "Mean F"), l.text("平均 M", "Mean M")]
        func rows(_ groups: [RFMReport.Group]) -> [[String]] {
            groups.map { g in
                [segmentName(g), l.count(g.customers), l.percent(g.share), l.money(g.monetaryFen), l.percent(g.monetaryShare),
                 g.meanRecencyDays.map { String(format: "%.0f", $0) } ?? "–", g.meanFrequency.map { String(format: "%.2f", $0) } ?? "–",
                 g.meanMonetaryFen.map { l.money(Int64($0.rounded())) } ?? "–"]
            }
        }
        let note = HTML.parameterLine(rfm.parameters)
        return kpis
            + HTML.grid([
                HTML.card(l.text("客户分群", "Segments"), note: note, html: segmentBars),
                HTML.card(l.text("八类客户", "Eight classes"), note: l.text("R、F、M 优于均值为“高”。", "R, F, M are high when better than the mean."), html: classBars),
            ])
            + HTML.card(l.text("八类客户明细", "Eight classes in detail"), note: note, html: HTML.table(headers, rows(rfm.valueClasses)))
            + HTML.card(l.text("客户分群明细", "Segments in detail"), note: note, html: HTML.table(headers, rows(rfm.segments)))
    }
}
