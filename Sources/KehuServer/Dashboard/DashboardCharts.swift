import KehuCharts

/// The dashboard's charts: page data in, an SVG (`<svg ... class="kehu-chart kehu-chart-KIND">`)
/// out, drawn by KehuCharts. Money values are fen; shares are fractions. AIPL stages keep their
/// colours (``ChartPalette/stage(_:)``) on every page.
enum DashboardCharts {
    typealias Style = ValueStyle
    typealias Node = SankeyChart.Node
    typealias Link = SankeyChart.Link

    /// Widths for a chart in a full-width card and in a half-width card (the SVG scales down
    /// to its card; these set its proportions and text size).
    static let fullWidth = 960
    static let halfWidth = 560

    static func bar(
        _ title: String, categories: [String], series: [(String, [Double])], style: Style, stacked: Bool = false, horizontal: Bool = false,
        stageColors: [String]? = nil, language: ChartLanguage, width: Int = halfWidth, height: Int? = nil
    ) -> String {
        let chartSeries = series.map { Series(name: $0.0, values: $0.1) }
        // Stage colours follow the series when there are several (one per stage), else the bars
        // of a single series are one colour: KehuCharts colours series, not categories.
        let colors = stageColors.flatMap { letters in series.count == letters.count ? letters.map(ChartPalette.stage) : nil }
        return BarChart(
            title: title, categories: categories, series: chartSeries, stacked: stacked, horizontal: horizontal, style: style,
            language: language, width: width, height: height ?? (horizontal ? max(200, 60 + 34 * categories.count) : 320), colors: colors
        ).svg()
    }

    /// Vertical side-by-side bars, each value with its interval (e.g. a 95% confidence interval) as a whisker.
    static func barsWithIntervals(
        _ title: String, categories: [String], series: [(name: String, values: [Double], intervals: [ClosedRange<Double>?])], style: Style,
        language: ChartLanguage, width: Int = halfWidth, height: Int = 320
    ) -> String {
        BarChart(
            title: title, categories: categories, series: series.map { Series(name: $0.name, values: $0.values, intervals: $0.intervals) },
            style: style, language: language, width: width, height: height
        ).svg()
    }

    static func line(
        _ title: String, xLabels: [String], series: [(String, [Double])], style: Style, stageColors: [String]? = nil, language: ChartLanguage,
        width: Int = fullWidth, height: Int = 320
    ) -> String {
        let colors = stageColors.map { $0.map(ChartPalette.stage) }
        return LineChart(
            title: title, xLabels: xLabels, series: series.map { Series(name: $0.0, values: $0.1) }, style: style, language: language,
            width: width, height: height, colors: colors
        ).svg()
    }

    static func funnel(_ title: String, steps: [(String, Double)], language: ChartLanguage, width: Int = fullWidth, height: Int = 300) -> String {
        FunnelChart(title: title, steps: steps.map { FunnelChart.Step(label: $0.0, value: $0.1) }, language: language, width: width, height: height).svg()
    }

    static func sankey(
        _ title: String, nodes: [Node], links: [Link], language: ChartLanguage, width: Int = fullWidth, height: Int = 400
    ) -> String {
        SankeyChart(title: title, nodes: nodes, links: links, language: language, width: width, height: height).svg()
    }

    static func heatmap(
        _ title: String, rowLabels: [String], columnLabels: [String], values: [[Double?]], language: ChartLanguage, width: Int = fullWidth
    ) -> String {
        Heatmap(title: title, rowLabels: rowLabels, columnLabels: columnLabels, values: values, language: language, width: width).svg()
    }
}
