import Foundation
import KehuActivation
import KehuAnalytics
import KehuCharts
import KehuModel

/// 人群: the saved tags and audiences (`kehu tag define`, `kehu audience define`) evaluated on
/// the current snapshot as of the date bar's as-of day, with their sizes; an instant size
/// estimate of any expression (`expression=`) by AIPL stage and by channel; and the overlap of
/// two saved audiences (`a=`, `b=`). Read-only: nothing is defined or changed here.
enum AudiencesPage {
    static func render(_ c: PageContext) throws -> String {
        let l = c.language
        let asOf = c.dates.asOf
        let tagStore = TagStore(workspace: c.workspace)
        let tags = try TagListReport.compute(tagStore, c.snapshot, asOf: asOf)
        let audiences = try AudienceListReport.compute(AudienceStore(workspace: c.workspace), c.snapshot, asOf: asOf)
        let consumers = c.snapshot.consumerCount
        let expression = c.query.values["expression"]
        let pair = (a: c.query.values["a"], b: c.query.values["b"])

        var html = HTML.kpis([
            .init(label: l.text("消费者", "Consumers"), value: l.count(consumers), note: c.asOfNote),
            .init(label: l.text("标签", "Tags"), value: l.count(tags.tags.count), note: "kehu tag list"),
            .init(label: l.text("人群", "Audiences"), value: l.count(audiences.audiences.count), note: "kehu audience list"),
        ])
        html += savedCard(c, tags: tags, audiences: audiences)

        // The estimate: the form always, the result when an expression was given.
        var keep: [String: String] = [:]
        if let a = pair.a { keep["a"] = a }
        if let b = pair.b { keep["b"] = b }
        let form = HTML.card(
            l.text("人群预估", "Estimate an audience"),
            note: l.text("输入表达式，立即估算人数（\(c.asOfNote)）。语法见 docs/activation.md。", "Type an expression to estimate its size at once (as of \(c.dates.asOf)). The language is in docs/activation.md."),
            html: HTML.parameterForm(
                action: DashboardPage.audiences.path, query: c.query,
                fields: [("expression", l.text("表达式", "Expression"), expression ?? "", "stage in (I, P) and count(cart, 30d) >= 2", "text")],
                keep: keep, wide: ["expression"])
                + "<pre class=\"example\">\(HTML.escape(examples))</pre>")
        html += form
        var failed: String?
        if let expression {
            do {
                html += try estimate(c, expression: expression, tags: tagStore)
            } catch {
                failed = HTML.expressionErrorCard(
                    column: error.column, message: error.message, expression: error.expression, caretLine: error.caretLine, language: l)
            }
        }
        if let failed { throw PageFailure(html: html + failed) }
        html += try overlap(c, a: pair.a, b: pair.b, saved: audiences.audiences.map(\.name), tags: tagStore)
        return html
    }

    static let examples = """
        stage = L and sum(pay, 365d) > 2000                 高价值忠诚客户
        count(cart, 30d) >= 2 and count(pay, 30d) = 0       加购未购
        last(view, channel = douyin) within 7d and not member
        """

    /// The saved tags and audiences with their sizes: a bar chart and a table.
    static func savedCard(_ c: PageContext, tags: TagListReport, audiences: AudienceListReport) -> String {
        let l = c.language
        guard !tags.tags.isEmpty || !audiences.audiences.isEmpty else {
            return HTML.nothingYet(
                l.text("还没有标签或人群", "No tags or audiences yet"),
                l.text("标签和人群用命令行定义，定义后会出现在这里并按当前数据计算人数：", "Tags and audiences are defined with the CLI; they then show here, sized on the current data:"),
                command: "kehu tag define 高意向 'count(cart, 30d) >= 2'  ·  kehu audience define 加购未购 'tag:高意向 and count(pay, 30d) = 0'",
                note: l.text("导入标签：kehu tag import NAME FILE（每行一个身份键）。", "Imported tags: kehu tag import NAME FILE (one identity key a line)."))
        }
        let kindName = { (kind: TagKind) in
            switch kind {
            case .rule: l.text("规则", "rule")
            case .imported: l.text("导入", "imported")
            case .writeback: l.text("回写", "written back")
            }
        }
        var bars: [(String, Double)] = []
        var rows: [[String]] = []
        for tag in tags.tags {
            let label = l.text("标签 · ", "tag · ") + tag.name
            if let size = tag.size { bars.append((label, Double(size))) }
            rows.append([
                l.text("标签", "Tag"), tag.name, kindName(tag.kind), tag.size.map(l.count) ?? l.text("出错", "error"),
                tag.size.map { l.percent($0, of: tags.consumers) } ?? "–",
                tag.error.map { l.text("出错：", "error: ") + $0 } ?? tag.expression ?? tag.description,
            ])
        }
        for audience in audiences.audiences {
            let label = l.text("人群 · ", "audience · ") + audience.name
            if let size = audience.size { bars.append((label, Double(size))) }
            rows.append([
                l.text("人群", "Audience"), audience.name, l.text("表达式", "expression"), audience.size.map(l.count) ?? l.text("出错", "error"),
                audience.size.map { l.percent($0, of: audiences.consumers) } ?? "–",
                audience.error.map { l.text("出错：", "error: ") + $0 } ?? audience.expression,
            ])
        }
        let chart = DashboardCharts.bar(
            l.text("标签与人群人数", "Consumers per tag and audience"), categories: bars.map(\.0),
            series: [(l.text("消费者", "Consumers"), bars.map(\.1))], style: .count, horizontal: true, language: l,
            width: DashboardCharts.fullWidth)
        var table = "<table><thead><tr>"
        for (i, header) in [l.text("类型", "Type"), l.text("名称", "Name"), l.text("方式", "Kind"), l.text("人数", "Consumers"), l.text("占比", "Share"),
                            l.text("规则 / 说明", "Rule / description")].enumerated() {
            table += "<th class=\"\(i == 3 || i == 4 ? "num" : "")\">\(HTML.escape(header))</th>"
        }
        table += "</tr></thead><tbody>"
        for row in rows {
            table += "<tr>" + row.enumerated().map { i, cell in
                i == 5 ? "<td><code>\(HTML.escape(cell))</code></td>" : "<td class=\"\(i == 3 || i == 4 ? "num" : "")\">\(HTML.escape(cell))</td>"
            }.joined() + "</tr>"
        }
        table += "</tbody></table>"
        return HTML.card(
            l.text("标签与人群", "Tags and audiences"),
            note: l.text("\(c.asOfNote)；占全部 \(l.count(tags.consumers)) 位消费者。", "\(c.asOfNote); shares of all \(l.count(tags.consumers)) consumers."),
            html: chart + table)
    }

    /// The size of `expression` with its breakdown by AIPL stage and by channel.
    static func estimate(_ c: PageContext, expression: String, tags: TagStore) throws(ExpressionError) -> String {
        let l = c.language
        var evaluator = ExpressionEvaluator(snapshot: c.snapshot, asOf: c.dates.asOf, tags: tags)
        let started = ContinuousClock.now
        let set = try evaluator.evaluate(expression)
        let elapsed = ContinuousClock.now - started
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let report = ConsumerSetReport.compute(
            subject: "audience", name: "", kind: "expression", expression: expression, description: "", set: set,
            evaluationMilliseconds: ms, c.snapshot, asOf: c.dates.asOf)
        let stages = report.byStage
        let stageName = { (g: ConsumerSetReport.Group) in StageLabel.of(g.group, chinese: g.chineseName, l) }
        let stageChart = DashboardCharts.bar(
            l.text("按 AIPL 阶段", "By AIPL stage"), categories: stages.map(stageName),
            series: [(l.text("消费者", "Consumers"), stages.map { Double($0.consumers) })], style: .count, language: l)
        let channels = Array(report.byChannel.prefix(12))
        let channelChart = DashboardCharts.bar(
            l.text("按渠道", "By channel"), categories: channels.map(\.group),
            series: [(l.text("消费者", "Consumers"), channels.map { Double($0.consumers) })], style: .count, language: l)
        let tiles = HTML.kpis([
            .init(label: l.text("预估人数", "Estimated size"), value: l.count(report.size), note: c.asOfNote),
            .init(label: l.text("占全部消费者", "Of all consumers"), value: l.percent(report.size, of: report.consumers), note: l.count(report.consumers)),
            .init(label: l.text("计算用时", "Evaluated in"), value: String(format: "%.1f ms", report.evaluationMilliseconds), note: nil),
        ])
        let stageRows = stages.map { [stageName($0), l.count($0.consumers), l.percent($0.consumers, of: report.size)] }
        let channelRows = report.byChannel.map { [$0.group, l.count($0.consumers), l.percent($0.consumers, of: report.size)] }
        return tiles
            + HTML.grid([
                HTML.card(
                    l.text("按 AIPL 阶段", "By AIPL stage"), note: l.text("表达式：", "Expression: ") + expression,
                    html: stageChart + HTML.table([l.text("阶段", "Stage"), l.text("人数", "Consumers"), l.text("占比", "Share")], stageRows)),
                HTML.card(
                    l.text("按渠道", "By channel"),
                    note: l.text("截至当日在该渠道有任一事件；一人可计入多个渠道。", "Any event in the channel by the as-of day; a consumer can count in several."),
                    html: channelChart + HTML.table([l.text("渠道", "Channel"), l.text("人数", "Consumers"), l.text("占比", "Share")], channelRows)),
            ])
    }

    /// The overlap of two saved audiences, with a form to pick them.
    static func overlap(_ c: PageContext, a: String?, b: String?, saved: [String], tags: TagStore) throws -> String {
        let l = c.language
        guard !saved.isEmpty else { return "" }
        var keep: [String: String] = [:]
        if let expression = c.query.values["expression"] { keep["expression"] = expression }
        let form = HTML.parameterForm(
            action: DashboardPage.audiences.path, query: c.query,
            fields: [("a", "A", a ?? saved[0], "", "text"), ("b", "B", b ?? saved[min(1, saved.count - 1)], "", "text")],
            choices: ["a": saved, "b": saved], keep: keep)
        let title = l.text("两个人群的重叠", "Overlap of two audiences")
        guard let a, let b else {
            return HTML.card(title, note: l.text("选两个已保存的人群。", "Pick two saved audiences."), html: form)
        }
        let store = AudienceStore(workspace: c.workspace)
        func members(_ name: String, _ parameter: String) throws -> ConsumerSet {
            guard saved.contains(name) else {
                throw AnalysisError.invalidParameter(parameter: parameter, value: name, reason: "no such audience; there are: \(saved.joined(separator: ", "))")
            }
            do { return try store.audience(named: name).evaluate(in: c.snapshot, asOf: c.dates.asOf, tags: tags) } catch {
                throw AnalysisError.invalidParameter(parameter: parameter, value: name, reason: "the audience cannot be evaluated: \(error)")
            }
        }
        let report: AudienceOverlapReport
        do {
            report = AudienceOverlapReport(
                workspace: c.workspace.name, asOf: c.dates.asOf, first: a, second: b, a: try members(a, "a"), b: try members(b, "b"))
        } catch {
            throw PageFailure(html: HTML.card(title, note: nil, html: form) + HTML.errorCard("\(error)", language: l))
        }
        let parts = [
            (l.text("仅 A", "A only"), report.firstSize - report.both), (l.text("A 与 B", "A and B"), report.both),
            (l.text("仅 B", "B only"), report.secondSize - report.both),
        ]
        let chart = DashboardCharts.bar(
            l.text("A 与 B 的构成", "A and B together"), categories: ["A ∪ B"],
            series: parts.map { ($0.0, [Double($0.1)]) }, style: .count, stacked: true, horizontal: true, language: l,
            width: DashboardCharts.fullWidth, height: 150)
        let tiles = HTML.kpis([
            .init(label: "A · \(a)", value: l.count(report.firstSize), note: nil),
            .init(label: "B · \(b)", value: l.count(report.secondSize), note: nil),
            .init(label: l.text("交集 A∩B", "Both A∩B"), value: l.count(report.both), note: l.text("并集 \(l.count(report.union))", "union \(l.count(report.union))")),
            .init(label: "Jaccard", value: report.jaccard.map { String(format: "%.4f", $0) } ?? "–", note: "|A∩B| / |A∪B|"),
        ])
        // Shares only of the audience a row is part of (a share of B above 100% reads as an error).
        let both = report.both
        let rows: [[String]] = [
            ("A", report.firstSize, true, false), ("B", report.secondSize, false, true), (l.text("A 与 B", "A and B"), both, true, true),
            (l.text("仅 A", "A only"), report.firstSize - both, true, false), (l.text("仅 B", "B only"), report.secondSize - both, false, true),
            (l.text("A 或 B", "A or B"), report.union, false, false),
        ].map { label, n, ofA, ofB in
            [label, l.count(n), ofA ? l.percent(n, of: report.firstSize) : "–", ofB ? l.percent(n, of: report.secondSize) : "–"]
        }
        return HTML.card(
            title, note: "A = \(a) · B = \(b) · \(c.asOfNote)",
            html: form + tiles + chart
                + HTML.table([" ", l.text("人数", "Consumers"), l.text("占 A", "Of A"), l.text("占 B", "Of B")], rows))
    }
}
