import Foundation
import KehuAnalytics
import KehuCharts

/// 渠道: GMV per channel and its A→I and I→P conversion in the period; with the workspace's
/// cost file (`files/channel-costs.csv` in the workspace directory, the folder API requests
/// may name files in) also cost per new buyer and ROI.
enum ChannelsPage {
    /// The cost file the page reads when it exists (docs/formats.md, channel costs). Only this
    /// file: the dashboard never reads a path a request names.
    static let costFileName = "channel-costs.csv"

    static func render(_ c: PageContext) throws -> String {
        let l = c.language
        let by = c.value("by", "channel")
        guard by == "channel" || by == "touchpoint" else {
            throw AnalysisError.invalidParameter(parameter: "by", value: by, reason: "expected channel or touchpoint")
        }
        var arguments = c.periodValues.merging(["by": by]) { $1 }
        let costFile = QueryRoutes.filesDirectory(of: c.workspace.directory) + "/" + costFileName
        if FileManager.default.fileExists(atPath: costFile) { arguments["costs"] = costFile }
        let report = try c.run("channels", arguments, as: ChannelQualityReport.self)
        let rows = report.rows.sorted { $0.gmvFen > $1.gmvFen }
        let name = { (row: ChannelQualityReport.Row) in (by == "channel" ? row.channel : row.touchpoint) ?? "(none)" }
        let form = HTML.parameterForm(
            action: DashboardPage.channels.path, query: c.query, fields: [("by", l.text("按", "By"), by, "", "text")],
            choices: ["by": ["channel", "touchpoint"]])
        let gmv = DashboardCharts.bar(
            l.text("各渠道 GMV", "GMV by \(by)"), categories: rows.map(name), series: [("GMV", rows.map { Double($0.gmvFen) })],
            style: .moneyFen, language: l)
        let conversion = DashboardCharts.bar(
            l.text("人群转化率", "Stage conversion"), categories: rows.map(name),
            series: [("A→I", rows.map { $0.aToIRate ?? 0 }), ("I→P", rows.map { $0.iToPRate ?? 0 })], style: .percent, language: l)
        var cards = [
            HTML.card(l.text("GMV", "GMV"), note: c.periodNote, html: gmv),
            HTML.card(l.text("A→I 与 I→P 转化", "A→I and I→P conversion"), note: c.periodNote, html: conversion),
        ]
        let withCosts = report.costSource != nil
        if withCosts {
            let roi = DashboardCharts.bar(
                "ROI", categories: rows.map(name), series: [("ROI", rows.map { $0.roi ?? 0 })], style: .count, language: l)
            cards.append(HTML.card("ROI", note: l.text("GMV / 成本", "GMV / cost"), html: roi))
        }
        var headers = [by == "channel" ? l.text("渠道", "Channel") : l.text("触点", "Touchpoint"), l.text("触达", "Reached"), "A→I", "I→P",
                       l.text("买家", "Buyers"), "GMV", l.text("新客占比", "New-buyer share")]
        if withCosts { headers += [l.text("成本", "Cost"), l.text("新客成本", "Cost per new buyer"), "ROI"] }
        let tableRows = (rows + [report.total]).enumerated().map { i, row -> [String] in
            var cells = [i == rows.count ? l.text("合计", "Total") : name(row), l.count(row.reached), l.percent(row.aToIRate), l.percent(row.iToPRate),
                         l.count(row.buyers), l.money(row.gmvFen), l.percent(row.newBuyerShare)]
            if withCosts {
                cells += [row.costFen.map(l.money) ?? "–", row.costPerNewBuyerFen.map(l.money) ?? "–", row.roi.map { String(format: "%.2f", $0) } ?? "–"]
            }
            return cells
        }
        let costNote = withCosts
            ? l.text("成本来自工作区的 \(costFileName)。", "Costs from the workspace's \(costFileName).")
            : l.text("ROI 需要成本：把 \(costFileName)（channel,touchpoint,cost 元）放进工作区的 files/ 目录。", "ROI needs costs: put \(costFileName) (channel,touchpoint,cost in yuan) in the workspace's files/ folder.")
        return HTML.card(l.text("渠道质量", "Channel quality"), note: HTML.parameterLine(report.parameters), html: form)
            + HTML.grid(cards)
            + HTML.card(l.text("渠道明细", "Channels in detail"), note: costNote, html: HTML.table(headers, tableRows, totalRows: 1))
    }
}
