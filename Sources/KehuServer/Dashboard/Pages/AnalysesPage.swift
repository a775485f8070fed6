import KehuAnalytics
import KehuStore

/// 全部分析: every analysis of ``ServerCatalogue/all``, and each one as HTML tables with a form
/// for its parameters (the same names as the CLI and the API).
enum AnalysesPage {
    static func index(_ c: PageContext) -> String {
        let l = c.language
        var list = "<ul class=\"analyses\">"
        for analysis in ServerCatalogue.all {
            list += "<li><a href=\"\(HTML.escape(c.query.link("/analyses/" + analysis.name)))\">\(HTML.escape(analysis.title))</a>"
            list += "<br><span class=\"muted\">\(HTML.escape(analysis.summary))</span></li>"
        }
        return HTML.card(l.text("全部分析", "All analyses"), note: l.text("每个分析的完整表格，参数与命令行和 API 相同。", "Every analysis as tables, with the same parameters as the CLI and the API."), html: list + "</ul>")
    }


    /// One analysis: its form and its tables, or the error its parameters caused.
    static func analysis(_ analysis: Analysis, snapshot: Snapshot, query: DashboardQuery) -> (html: String, failed: Bool) {
        let l = query.language
        var values: [String: String] = [:]
        // The date bar's values ride along every link; an analysis takes those it has.
        for (name, value) in query.values where !DashboardQuery.dateNames.contains(name) || analysis.parameters.contains(where: { $0.name == name }) {
            values[name] = value
        }
        var form = "<form class=\"params\" method=\"get\"><input type=\"hidden\" name=\"lang\" value=\"\(l.rawValue)\">"
        for parameter in analysis.parameters where parameter.kind != .file {
            let type = parameter.kind == .day ? "date" : "text"
            form += "<label title=\"\(HTML.escape(parameter.help))\">\(HTML.escape(parameter.name))"
            form += "<input type=\"\(type)\" name=\"\(HTML.escape(parameter.name))\" value=\"\(HTML.escape(values[parameter.name] ?? ""))\" placeholder=\"\(HTML.escape(parameter.defaultValue ?? ""))\"></label>"
        }
        form += "<button type=\"submit\">\(l.text("更新", "Update"))</button></form>"
        var html = HTML.card(analysis.title, note: analysis.summary, html: form)
        let outcome = Result { () throws(AnalysisError) in
            if let file = analysis.parameters.first(where: { $0.kind == .file && values[$0.name] != nil })?.name {
                throw AnalysisError.invalidParameter(parameter: file, value: values[file] ?? "", reason: "names a file on the server; the dashboard does not read files (use the CLI)")
            }
            return try analysis.run(snapshot, AnalysisArguments(values))
        }
        switch outcome {
        case .success(let report):
            html += HTML.card(report.title, note: HTML.parameterLine(report.parameters), html: HTML.tables(report.tables()))
            return (html, false)
        case .failure(let error):
            return (html + HTML.errorCard(error.description, language: l), true)
        }
    }
}
