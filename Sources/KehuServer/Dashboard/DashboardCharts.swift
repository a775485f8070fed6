import KehuCharts

/// The dashboard's charts: page data in, an SVG (`<svg class="kehu-chart kehu-chart-KIND">`)
/// out, drawn by KehuCharts. Money values are fen; shares are fractions.
enum DashboardCharts {
    enum Style { case count, moneyFen, percent }

    struct Node: Sendable {
        var id: String
        var label: String
        var column: Int
    }

    struct Link: Sendable {
        var from: String
        var to: String
        var value: Double
    }

    static let width = 560

    // TEMPORARY (not committed): a minimal drawing until KehuCharts lands.
    static func svg(_ kind: String, _ title: String, _ inner: String = "") -> String {
        "<svg class=\"kehu-chart kehu-chart-\(kind)\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 560 260\" width=\"560\" height=\"260\"><text x=\"10\" y=\"20\">\(HTML.escape(title))</text>\(inner)</svg>"
    }

    static func bar(
        _ title: String, categories: [String], series: [(String, [Double])], style: Style, stacked: Bool = false, horizontal: Bool = false,
        stageColors: [String]? = nil, language: ChartLanguage, height: Int? = nil
    ) -> String {
        let maxValue = max(1, series.flatMap(\.1).max() ?? 1)
        var inner = ""
        for (i, c) in categories.enumerated() {
            let v = series.first?.1[safe: i] ?? 0
            inner += "<rect x=\"\(20 + i * 40)\" y=\"\(240 - Int(200 * v / maxValue))\" width=\"30\" height=\"\(Int(200 * v / maxValue))\" fill=\"#4c8dff\"/><text x=\"\(20 + i * 40)\" y=\"255\" font-size=\"9\">\(HTML.escape(c))</text>"
        }
        return svg("bar", title, inner)
    }

    static func line(_ title: String, xLabels: [String], series: [(String, [Double])], style: Style, stageColors: [String]? = nil, language: ChartLanguage) -> String {
        svg("line", title)
    }

    static func funnel(_ title: String, steps: [(String, Double)], language: ChartLanguage) -> String { svg("funnel", title) }

    static func sankey(_ title: String, nodes: [Node], links: [Link], stageLetters: [String], language: ChartLanguage) -> String { svg("sankey", title) }

    static func heatmap(_ title: String, rowLabels: [String], columnLabels: [String], values: [[Double?]], language: ChartLanguage) -> String {
        svg("heatmap", title)
    }
}
