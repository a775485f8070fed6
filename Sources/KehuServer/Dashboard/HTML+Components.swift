import KehuAnalytics
import KehuCharts

/// The building blocks of dashboard pages: cards, KPI tiles, tables, messages. Every text is
/// escaped here; callers pass plain text (and HTML only where a parameter says `html`).
extension HTML {
    /// A card with a heading, an optional muted line under it, and HTML content.
    static func card(_ title: String, note: String? = nil, html: String) -> String {
        var out = "<section class=\"card\"><h2>\(escape(title))</h2>"
        if let note, !note.isEmpty { out += "<p class=\"muted\">\(escape(note))</p>" }
        return out + html + "</section>"
    }

    /// Cards side by side (two per row on a wide screen).
    static func grid(_ cards: [String]) -> String {
        "<div class=\"grid row\">" + cards.joined() + "</div>"
    }

    /// A chart beside its table (the table wraps under it on a narrow screen).
    static func split(_ left: String, _ right: String) -> String {
        "<div class=\"split\"><div>\(left)</div><div>\(right)</div></div>"
    }

    /// One KPI tile.
    struct KPI {
        var label: String
        var value: String
        var note: String?
    }

    static func kpis(_ tiles: [KPI]) -> String {
        var out = "<div class=\"kpis\">"
        for tile in tiles {
            out += "<div class=\"kpi\"><div class=\"label\">\(escape(tile.label))</div><div class=\"value\">\(escape(tile.value))</div>"
            if let note = tile.note { out += "<div class=\"note\">\(escape(note))</div>" }
            out += "</div>"
        }
        return out + "</div>"
    }

    /// A table: the first `leftColumns` columns are text, the rest numbers (right-aligned).
    /// Rows whose first cell is in `totals` are shown as total rows.
    static func table(_ headers: [String], _ rows: [[String]], leftColumns: Int = 1, totalRows: Int = 0) -> String {
        var out = "<table><thead><tr>"
        for (i, header) in headers.enumerated() {
            out += "<th class=\"\(i < leftColumns ? "" : "num")\">\(escape(header))</th>"
        }
        out += "</tr></thead><tbody>"
        for (r, row) in rows.enumerated() {
            out += r >= rows.count - totalRows ? "<tr class=\"total\">" : "<tr>"
            for (i, cell) in row.enumerated() {
                out += "<td class=\"\(i < leftColumns ? "" : "num")\">\(escape(cell))</td>"
            }
            out += "</tr>"
        }
        return out + "</tbody></table>"
    }

    /// A readable error in the page (never a stack trace or raw JSON).
    static func errorCard(_ message: String, language: DashboardLanguage) -> String {
        "<section class=\"card error\"><h2>\(escape(language.text("无法计算", "Could not compute")))</h2><p class=\"error\">\(escape(message))</p></section>"
    }

    /// A card saying what is not there yet and the `kehu` command that creates it (the command in
    /// `<code>`), for pages whose things are defined with the CLI.
    static func nothingYet(_ title: String, _ text: String, command: String, note: String? = nil) -> String {
        var out = "<section class=\"card empty\"><h2>\(escape(title))</h2><p>\(escape(text))</p><p><code>\(escape(command))</code></p>"
        if let note { out += "<p class=\"muted\">\(escape(note))</p>" }
        return out + "</section>"
    }

    /// An expression mistake: the message, then the expression with the caret line under the
    /// mistake in a monospace block (wide characters take two cells, as the caret line counts them).
    static func expressionErrorCard(column: Int, message: String, expression: String, caretLine: String, language: DashboardLanguage) -> String {
        "<section class=\"card error\"><h2>\(escape(language.text("表达式有误", "The expression has a mistake")))</h2>"
            + "<p class=\"error\">\(escape(language.text("第 \(column) 列：", "column \(column): ") + message))</p>"
            + "<pre class=\"caret\">\(escape(expression))\n\(escape(caretLine))</pre></section>"
    }

    /// What an empty workspace shows instead of charts: how to get data in.
    static func emptyState(workspace: String, language: DashboardLanguage) -> String {
        let ws = escape(workspace)
        return """
            <section class="card empty"><h2>\(language.text("暂无数据", "No data yet"))</h2>
            <p>\(language.text("工作区 <strong>\(ws)</strong> 还没有事件。导入数据后刷新本页：", "Workspace <strong>\(ws)</strong> has no events yet. Ingest some, then reload this page:"))</p>
            <p><code>kehu ingest --workspace \(ws) events.csv</code></p>
            <p>\(language.text("或用写入密钥通过 Segment 兼容接口发送：", "or send them with a write key to the Segment-compatible API:")) <code>POST /v1/batch</code></p>
            <p class="muted">\(language.text("想先看看效果？运行 <code>kehu demo</code>（模拟一个品牌）。", "To try it first, run <code>kehu demo</code> (a simulated brand)."))</p></section>
            """
    }

    /// The parameters a result was computed with, as a muted line.
    static func parameterLine(_ parameters: [ReportParameter]) -> String {
        parameters.filter { $0.name != "workspace" }.map { "\($0.name): \($0.value)" }.joined(separator: " · ")
    }

    /// A GET form of page parameters (the date bar's values ride along hidden).
    /// `keep` are page values carried along hidden (another form's fields on the same page);
    /// fields named in `wide` get a wide monospace input (expressions).
    static func parameterForm(
        action: String, query: DashboardQuery, fields: [(name: String, label: String, value: String, placeholder: String, type: String)],
        choices: [String: [String]] = [:], keep: [String: String] = [:], wide: Set<String> = []
    ) -> String {
        var out = "<form class=\"params\" method=\"get\" action=\"\(escape(action))\"><input type=\"hidden\" name=\"lang\" value=\"\(query.language.rawValue)\">"
        for (name, value) in query.dates.merging(keep, uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key }) {
            out += "<input type=\"hidden\" name=\"\(escape(name))\" value=\"\(escape(value))\">"
        }
        for field in fields {
            out += "<label>\(escape(field.label))"
            if let options = choices[field.name] {
                out += "<select name=\"\(escape(field.name))\">"
                for option in options {
                    out += "<option\(option == field.value ? " selected" : "")>\(escape(option))</option>"
                }
                out += "</select>"
            } else {
                out += "<input\(wide.contains(field.name) ? " class=\"wide\"" : "") type=\"\(field.type)\" name=\"\(escape(field.name))\" value=\"\(escape(field.value))\" placeholder=\"\(escape(field.placeholder))\">"
            }
            out += "</label>"
        }
        return out + "<button type=\"submit\">\(escape(query.language.text("更新", "Update")))</button></form>"
    }
}

/// Numbers on dashboard pages, always through ``NumberFormat``.
extension ChartLanguage {
    func count(_ n: Int) -> String { NumberFormat.count(n, language: self) }
    func count(_ n: Int64) -> String { NumberFormat.count(n, language: self) }
    func money(_ fen: Int64) -> String { NumberFormat.money(fen: fen) }
    func compactMoney(_ fen: Int64) -> String { NumberFormat.compactMoney(fen: fen, language: self) }
    func percent(_ share: Double?) -> String { share.map(NumberFormat.percent) ?? "–" }
    func percent(_ part: Int, of whole: Int) -> String { NumberFormat.percent(Int64(part), of: Int64(whole)) }
    /// Yuan held as a floating-point model output (CLV), shown as money.
    func money(yuan: Double) -> String { yuan.isFinite ? NumberFormat.money(fen: Int64((yuan * 100).rounded())) : "–" }
}
