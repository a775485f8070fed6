import Foundation
import KehuAnalytics
import KehuCharts
import KehuModel

/// CLV 客户价值: BG/NBD + Gamma-Gamma fitted on paid orders through the as-of day; CLV per
/// decile of customers, average CLV per AIPL stage, the models' fit, and the top customers.
enum CLVPage {
    static func render(_ c: PageContext) throws -> String {
        let l = c.language
        let horizon = Int(c.value("horizon", "12")) ?? 0
        guard (1...120).contains(horizon) else {
            throw AnalysisError.invalidParameter(parameter: "horizon", value: c.value("horizon", ""), reason: "expected a number of months from 1 to 120")
        }
        let asOf = min(c.dates.asOf, c.dates.dataDays.last)
        // The fit is the slowest thing on any page: keep it with the snapshot, per day and horizon.
        let outcome = c.snapshot.derived.value("dashboard.clv.\(asOf).\(horizon)") { () -> Result<CustomerValueReport, CustomerValueError> in
            Result { () throws(CustomerValueError) in
                try CustomerValueReport.compute(c.snapshot, CustomerValueParameters(calibrationEnd: asOf, horizonMonths: horizon, top: 10))
            }
        }
        let report = try outcome.get()
        let values = report.values
        let n = values.count
        var deciles: [Double] = []
        for k in 0..<10 where n > 0 {
            let slice = values[(k * n / 10)..<((k + 1) * n / 10)]
            deciles.append(slice.reduce(0) { $0 + $1.clv } * 100)
        }
        let decileNames = (0..<deciles.count).map { k in k == 0 ? l.text("前10%", "Top 10%") : "\(k * 10)–\((k + 1) * 10)%" }
        let topShare = report.totalCLV > 0 && !deciles.isEmpty ? deciles[0] / 100 / report.totalCLV : nil
        let kpis = HTML.kpis([
            .init(label: l.text("建模客户", "Customers modelled"), value: l.count(report.customers), note: l.text("复购 ", "repeat ") + l.count(report.repeatCustomers)),
            .init(label: l.text("总 CLV", "Total CLV"), value: l.compactMoney(Int64((report.totalCLV * 100).rounded())), note: l.text("未来 \(horizon) 个月（折现）", "next \(horizon) months, discounted")),
            .init(label: l.text("人均 CLV", "Mean CLV"), value: n > 0 ? l.money(yuan: report.totalCLV / Double(n)) : "–", note: nil),
            .init(label: l.text("前10%客户贡献", "Top 10% share"), value: l.percent(topShare), note: l.text("占总 CLV", "of total CLV")),
        ])
        let decileChart = DashboardCharts.bar(
            l.text("各十分位客户的 CLV 合计", "CLV per customer decile"), categories: decileNames, series: [("CLV", deciles)], style: .moneyFen, language: l)
        let stages = report.byStage.filter { $0.customers > 0 }
        let stageChart = DashboardCharts.bar(
            l.text("各 AIPL 阶段平均 CLV", "Mean CLV per AIPL stage"), categories: stages.map { StageLabel.of($0.group, chinese: $0.chineseName, l) },
            series: [(l.text("平均 CLV", "Mean CLV"), stages.map { ($0.averageCLV ?? 0) * 100 })], style: .moneyFen,
            stageColors: stages.map(\.group), language: l)
        let fit = report.purchaseModel, spend = report.spendModel
        let fitRows: [[String]] = [
            ["BG/NBD", "r = \(f(fit.r)), α = \(f(fit.alpha)), a = \(f(fit.a)), b = \(f(fit.b))", String(format: "%.1f", report.purchaseLogLikelihood),
             "\(report.purchaseIterations)"],
            ["Gamma-Gamma", "p = \(f(spend.p)), q = \(f(spend.q)), v = \(f(spend.v))", String(format: "%.1f", report.spendLogLikelihood), ""],
        ]
        let topRows = values.prefix(10).map { v in
            ["#\(v.consumerID)", "\(v.frequency)", String(format: "%.1f%%", v.probabilityAlive * 100), String(format: "%.2f", v.expectedPurchases),
             l.money(yuan: v.expectedSpend), l.money(yuan: v.clv)]
        }
        let stageRows = report.byStage.map { g in
            [StageLabel.of(g.group, chinese: g.chineseName, l), l.count(g.customers), l.count(g.withoutCLV), l.money(yuan: g.totalCLV),
             g.averageCLV.map { l.money(yuan: $0) } ?? "–", l.percent(g.averageProbabilityAlive)]
        }
        let note = HTML.parameterLine(report.parameters)
        return kpis
            + HTML.grid([
                HTML.card(l.text("CLV 分布", "CLV distribution"), note: note, html: decileChart),
                HTML.card(l.text("按 AIPL 阶段", "By AIPL stage"), note: l.text("阶段截至建模截止日。", "Stages as of the calibration end."), html: stageChart
                    + HTML.table([l.text("阶段", "Stage"), l.text("客户", "Customers"), l.text("无 CLV", "Without CLV"), l.text("CLV 合计", "Total CLV"),
                                  l.text("平均 CLV", "Mean CLV"), l.text("平均存活概率", "Mean P(alive)")], stageRows)),
            ])
            + HTML.card(l.text("模型拟合", "Model fit"),
                        note: l.text("最大似然估计；时间单位：\(report.unit)。", "Maximum likelihood; time unit: \(report.unit).")
                            + (CustomerValueReport.noDropoutNote(fit, chinese: l == .zh).map { " " + $0 } ?? ""),
                          html: HTML.table([l.text("模型", "Model"), l.text("参数", "Parameters"), l.text("对数似然", "Log-likelihood"), l.text("迭代", "Iterations")], fitRows, leftColumns: 2))
            + HTML.card(l.text("CLV 最高的客户", "Highest CLV"), note: l.text("消费者编号为工作区内部编号。", "Consumer numbers are the workspace's internal ids."),
                          html: HTML.table([l.text("消费者", "Consumer"), l.text("复购次数", "Repeats"), l.text("存活概率", "P(alive)"),
                                            l.text("预期购买", "Expected purchases"), l.text("预期客单", "Expected spend"), "CLV"], Array(topRows)))
    }

    static func f(_ x: Double) -> String { String(format: "%.4g", x) }
}
