import KehuAnalytics

/// The dashboard's languages: Chinese by default, English with `?lang=en`.
enum DashboardLanguage: String, Sendable {
    case zh, en

    func text(_ zh: String, _ en: String) -> String { self == .zh ? zh : en }
    var htmlLang: String { self == .zh ? "zh-CN" : "en" }
}

/// Server-rendered HTML: escaping and the page frame. No JavaScript.
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
        body{font-family:-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
        header{background:#24292f;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:center}
        header a{color:#fff;text-decoration:none}header .grow{flex:1}
        main{max-width:1100px;margin:24px auto;padding:0 24px}
        .card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:16px 20px;margin-bottom:16px}
        table{border-collapse:collapse;margin:8px 0}td,th{padding:4px 12px;border-bottom:1px solid #eaeef2}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        .error{color:#cf222e}.muted{color:#57606a;font-size:90%}
        form.params{display:flex;flex-wrap:wrap;gap:12px;align-items:end}form.params label{display:flex;flex-direction:column;font-size:90%}
        input{padding:4px 6px}button{padding:5px 14px}
        """

    /// A whole page. `body` is already HTML.
    static func page(title: String, language: DashboardLanguage, workspace: String?, path: String, body: String) -> String {
        let other: DashboardLanguage = language == .zh ? .en : .zh
        var header = "<a href=\"/?lang=\(language.rawValue)\"><strong>Kehu 客户</strong></a>"
        if let workspace { header += "<span>\(escape(workspace))</span>" }
        header += "<span class=\"grow\"></span><a href=\"\(escape(path))?lang=\(other.rawValue)\">\(other == .en ? "English" : "中文")</a>"
        if workspace != nil {
            header += "<form method=\"post\" action=\"/session/end\" style=\"margin:0\"><button>\(language.text("退出", "Sign out"))</button></form>"
        }
        return """
            <!doctype html>
            <html lang="\(language.htmlLang)"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · Kehu</title><style>\(style)</style></head>
            <body><header>\(header)</header><main>\(body)</main></body></html>
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
