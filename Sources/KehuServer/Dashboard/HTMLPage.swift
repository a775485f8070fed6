import KehuAnalytics
import KehuModel

/// Server-rendered HTML: escaping and the page frame (navigation, date bar, language switch,
/// sign-out). No JavaScript.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    static let style = """
        *{box-sizing:border-box}
        body{font-family:-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","Noto Sans SC",sans-serif;margin:0;color:#1f2328;background:#f3f5f8;font-size:14px;line-height:1.5}
        a{color:#0b63c5;text-decoration:none}a:hover{text-decoration:underline}
        .shell{display:flex;min-height:100vh}
        nav.side{width:188px;flex:none;background:#1d2633;color:#c9d1dc;padding:18px 0}
        nav.side .brand{display:block;color:#fff;font-weight:600;font-size:17px;padding:0 20px 16px}
        nav.side .brand small{display:block;font-weight:400;font-size:12px;color:#8b98a9;margin-top:2px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
        nav.side a.item{display:block;color:#c9d1dc;padding:8px 20px;border-left:3px solid transparent}
        nav.side a.item:hover{background:#273244;text-decoration:none}
        nav.side a.item.on{background:#273244;color:#fff;border-left-color:#4c8dff;font-weight:600}
        nav.side .sep{border-top:1px solid #2e3a4d;margin:10px 0}
        nav.side .foot{display:flex;gap:12px;align-items:center;padding:6px 20px}nav.side .foot a{color:#c9d1dc}nav.side .foot form{margin:0}
        .content{flex:1;min-width:0}
        .topbar{background:#fff;border-bottom:1px solid #dde3ea;padding:10px 24px;display:flex;flex-wrap:wrap;gap:10px 18px;align-items:center}
        .topbar h1{font-size:18px;margin:0 8px 0 0;font-weight:600}
        .topbar .grow{flex:1}
        .topbar form{margin:0}
        form.dates{display:flex;gap:8px;align-items:center;flex-wrap:wrap;font-size:13px;color:#57606a}
        form.dates label{display:flex;gap:4px;align-items:center}
        .presets a{margin-right:8px;font-size:13px}
        .presets a.on{font-weight:600;color:#1f2328}
        main{padding:18px 24px 40px;max-width:1280px}
        .card{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:16px 20px;margin-bottom:16px;overflow-x:auto}
        .card h2{font-size:16px;margin:0 0 4px}.card h3{font-size:14px;margin:14px 0 4px}
        .grid{display:grid;gap:16px;grid-template-columns:repeat(auto-fit,minmax(420px,1fr))}
        .split{display:grid;gap:20px;grid-template-columns:minmax(0,2fr) minmax(260px,1fr);align-items:start}
        .grid>.card{margin-bottom:0}.row{margin-bottom:16px}
        .kpis{display:grid;gap:12px;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));margin-bottom:16px}
        .kpi{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:12px 16px}
        .kpi .label{color:#57606a;font-size:13px}.kpi .value{font-size:24px;font-weight:600;font-variant-numeric:tabular-nums;margin:2px 0}
        .kpi .note{color:#8b949e;font-size:12px}
        table{border-collapse:collapse;margin:8px 0;font-size:13px}td,th{padding:5px 12px;border-bottom:1px solid #edf0f3;white-space:nowrap}
        th{background:#f6f8fa;font-weight:600;text-align:left;color:#3d4750}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        tr.total td{font-weight:600;border-top:1px solid #c9d1d9}
        .error{color:#b42318}.card.error{border-color:#f1aeb5;background:#fff5f5}
        .card.empty{text-align:center;padding:36px}.card.empty code{background:#f3f5f8;padding:2px 6px;border-radius:4px}
        .muted{color:#6b7480;font-size:12px}
        form.params{display:flex;flex-wrap:wrap;gap:12px;align-items:end;margin:0}
        form.params label{display:flex;flex-direction:column;font-size:12px;color:#57606a;gap:2px}
        input,select{padding:4px 6px;border:1px solid #c9d1d9;border-radius:4px;font:inherit;font-size:13px}
        button{padding:5px 14px;border:1px solid #0b63c5;background:#0b63c5;color:#fff;border-radius:4px;font:inherit;font-size:13px;cursor:pointer}
        button.plain{background:#fff;color:#1f2328;border-color:#c9d1d9}
        svg.kehu-chart{max-width:100%;height:auto;display:block}
        .signin{max-width:460px;margin:80px auto}
        input.wide{width:620px;max-width:100%;font-family:"Noto Sans Mono CJK SC","Sarasa Mono SC",monospace}
        pre.caret{font-family:"Noto Sans Mono CJK SC","Sarasa Mono SC",monospace;background:#fff;border:1px solid #f1aeb5;border-radius:4px;padding:8px 12px;margin:8px 0 0;overflow-x:auto}
        pre.example{font-family:"Noto Sans Mono CJK SC",monospace;font-size:12px;color:#57606a;background:#f6f8fa;border-radius:4px;padding:8px 12px;margin:8px 0 0;white-space:pre-wrap}
        ul.analyses{columns:2;padding-left:18px}ul.analyses li{margin-bottom:6px;break-inside:avoid}
        """

    /// A whole signed-in page: the side navigation, the top bar with the date bar, and `body`.
    static func page(
        title: String, current: DashboardPage?, query: DashboardQuery, workspace: String, dates: DashboardDates?, body: String,
        path: String
    ) -> String {
        let language = query.language
        var nav = "<nav class=\"side\"><a class=\"brand\" href=\"\(escape(query.link("/")))\">Kehu 客户<small>\(escape(workspace))</small></a>"
        for page in DashboardPage.allCases {
            if page == .analyses { nav += "<div class=\"sep\"></div>" }
            let on = page == current ? " on" : ""
            nav += "<a class=\"item\(on)\" href=\"\(escape(query.link(page.path)))\">\(escape(page.title(language)))</a>"
        }
        let other: DashboardLanguage = language == .zh ? .en : .zh
        nav += "<div class=\"sep\"></div><div class=\"foot\"><a href=\"\(escape(query.link(path, keepPageValues: true, language: other)))\">\(other == .en ? "English" : "中文")</a>"
        nav += "<form method=\"post\" action=\"/session/end\"><button class=\"plain\">\(escape(language.text("退出", "Sign out")))</button></form></div></nav>"
        var top = "<div class=\"topbar\"><h1>\(escape(title))</h1>"
        if let dates { top += dateBar(dates, query: query, path: path) }
        top += "</div>"
        return document(title: title, language: language, body: "<div class=\"shell\">\(nav)<div class=\"content\">\(top)<main>\(body)</main></div></div>")
    }

    /// The date bar: as-of day, period from/to (each `<input type=date>`), presets. The page's
    /// own parameters ride along as hidden fields so changing dates keeps them.
    static func dateBar(_ dates: DashboardDates, query: DashboardQuery, path: String) -> String {
        let language = query.language
        var out = "<form class=\"dates\" method=\"get\" action=\"\(escape(path))\"><input type=\"hidden\" name=\"lang\" value=\"\(language.rawValue)\">"
        for (name, value) in query.pageValues.sorted(by: { $0.key < $1.key }) {
            out += "<input type=\"hidden\" name=\"\(escape(name))\" value=\"\(escape(value))\">"
        }
        let bounds = "min=\"\(dates.dataDays.first)\" max=\"\(dates.dataDays.last)\""
        out += "<label>\(escape(language.text("截至", "As of"))) <input type=\"date\" name=\"as-of\" value=\"\(dates.asOf)\" \(bounds)></label>"
        out += "<label>\(escape(language.text("周期", "Period"))) <input type=\"date\" name=\"from\" value=\"\(dates.period.first)\" \(bounds)></label>"
        out += "<label>– <input type=\"date\" name=\"to\" value=\"\(dates.period.last)\" \(bounds)></label>"
        out += "<button type=\"submit\">\(escape(language.text("应用", "Apply")))</button><span class=\"presets\">"
        for preset in dates.presets(language) {
            let on = preset.from == dates.period.first && preset.to == dates.period.last ? " class=\"on\"" : ""
            let href = query.link(path, keepPageValues: true, ["as-of": "\(dates.asOf)", "from": "\(preset.from)", "to": "\(preset.to)"])
            out += "<a\(on) href=\"\(escape(href))\">\(escape(preset.label))</a>"
        }
        return out + "</span></form>"
    }

    /// The sign-in page (no navigation).
    static func signInPage(language: DashboardLanguage, error: String?) -> String {
        var body = "<div class=\"card signin\"><h2>Kehu 客户 · \(language.text("登录", "Sign in"))</h2>"
        body += "<p class=\"muted\">\(language.text("用只读密钥登录（kehu keys create --role read）。", "Sign in with a read key (kehu keys create --role read)."))</p>"
        if let error { body += "<p class=\"error\">\(escape(error))</p>" }
        body += """
            <form class="params" method="post" action="/session?lang=\(language.rawValue)">
            <label>\(language.text("密钥", "Key")) <input type="password" name="key" size="44" autocomplete="off" required></label>
            <button type="submit">\(language.text("登录", "Sign in"))</button></form>
            <p class="muted"><a href="/?lang=\(language == .zh ? "en" : "zh")">\(language == .zh ? "English" : "中文")</a></p></div>
            """
        return document(title: language.text("登录", "Sign in"), language: language, body: body)
    }

    static func document(title: String, language: DashboardLanguage, body: String) -> String {
        """
        <!doctype html>
        <html lang="\(language.htmlLang)"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title)) · Kehu</title><style>\(style)</style></head>
        <body>\(body)</body></html>
        """
    }

    /// A report's tables as HTML tables (right-aligned columns stay right-aligned).
    static func tables(_ tables: [TextTable]) -> String {
        tables.map { table in
            var out = ""
            if let title = table.title { out += "<h3>\(escape(title))</h3>" }
            out += "<table><thead><tr>"
            for (i, header) in table.headers.enumerated() {
                out += "<th class=\"\(table.alignments[safe: i] == .right ? "num" : "")\">\(escape(header))</th>"
            }
            out += "</tr></thead><tbody>"
            for row in table.rows {
                out += "<tr>"
                for (i, cell) in row.enumerated() {
                    out += "<td class=\"\(table.alignments[safe: i] == .right ? "num" : "")\">\(escape(cell))</td>"
                }
                out += "</tr>"
            }
            out += "</tbody></table>"
            for note in table.footnotes { out += "<p class=\"muted\">\(escape(note))</p>" }
            return out
        }.joined()
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
