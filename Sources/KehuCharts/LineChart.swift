/// Lines over an ordered x axis (days, weeks): one line per series, a point per value, gaps
/// where a value is missing (`Double.nan`).
///
/// The value axis includes zero, so a line's height reads as its size. With one series the area
/// under the line is lightly filled. Long x axes (90 daily labels) print every k-th label.
public struct LineChart: Sendable {
    /// The heading drawn top left and the document title; nil draws no heading.
    public var title: String?
    /// One label per x position, in order.
    public var xLabels: [String]
    /// The series, each with one value per category.
    public var series: [Series]
    /// How values and ticks print.
    public var style: ValueStyle
    /// Chinese (default) or English text.
    public var language: ChartLanguage
    /// The width in SVG units (pixels at 100%).
    public var width: Int
    /// The height in SVG units.
    public var height: Int
    /// Series colours by index; `nil` (or too few) falls back to `ChartPalette.color(i)`.
    public var colors: [String]?

    /// - Precondition: every series has exactly one value per x label.
    public init(title: String? = nil, xLabels: [String], series: [Series], style: ValueStyle = .count,
                language: ChartLanguage = .zh, width: Int = 640, height: Int = 320, colors: [String]? = nil) {
        for s in series {
            precondition(s.values.count == xLabels.count,
                         "LineChart: series \"\(s.name)\" has \(s.values.count) values for \(xLabels.count) x labels")
        }
        self.title = title
        self.xLabels = xLabels
        self.series = series
        self.style = style
        self.language = language
        self.width = width
        self.height = height
        self.colors = colors
    }

    func color(_ i: Int) -> String {
        if let colors, i < colors.count { return colors[i] }
        return ChartPalette.color(i)
    }

    /// The chart as a standalone SVG document.
    public func svg() -> String {
        var frame = ChartFrame(kind: "line", title: title, fallbackTitle: language.text("折线图", "Line chart"),
                               width: width, height: height, language: language)
        var lo = 0.0, hi = 0.0, any = false
        for s in series {
            for v in s.values where v.isFinite {
                lo = min(lo, v)
                hi = max(hi, v)
                if v != 0 { any = true }
            }
        }
        guard !xLabels.isEmpty, any else {
            frame.noData()
            return frame.svg()
        }
        if series.count > 1 { frame.legend(series.indices.map { (series[$0].name, color($0)) }) }
        let (plot, scale, labels, tickLabels) = geometry(frame.content, lo: lo, hi: hi)
        let n = xLabels.count
        func x(_ i: Int) -> Double { n == 1 ? plot.midX : plot.x + plot.width * Double(i) / Double(n - 1) }
        func y(_ v: Double) -> Double { plot.maxY - scale.fraction(v) * plot.height }

        for (tick, label) in zip(scale.ticks, tickLabels) {
            frame.canvas.line(x1: plot.x, y1: y(tick), x2: plot.maxX, y2: y(tick), stroke: Theme.grid, cls: "grid")
            frame.canvas.text(label, x: plot.x - 8, y: y(tick) + 4, size: Theme.valueSize, anchor: .end,
                              fill: Theme.mutedInk, cls: "tick-label")
        }
        frame.canvas.line(x1: plot.x, y1: y(0), x2: plot.maxX, y2: y(0), stroke: Theme.axis, cls: "baseline")

        for s in series.indices {
            let runs = Self.runs(series[s].values)
            if series.count == 1 {
                for run in runs where run.count > 1 {
                    var d = "M\(SVG.n(x(run.lowerBound))) \(SVG.n(y(0)))"
                    for i in run { d += "L\(SVG.n(x(i))) \(SVG.n(y(series[s].values[i])))" }
                    d += "L\(SVG.n(x(run.upperBound - 1))) \(SVG.n(y(0)))Z"
                    frame.canvas.path(d, fill: color(s), opacity: 0.1, cls: "area")
                }
            }
            for run in runs where run.count > 1 {
                var d = ""
                for i in run { d += (i == run.lowerBound ? "M" : "L") + "\(SVG.n(x(i))) \(SVG.n(y(series[s].values[i])))" }
                frame.canvas.path(d, fill: "none", stroke: color(s), strokeWidth: 2, cls: "line")
            }
        }
        // Points last, so their hover titles sit above every line. On long axes (more than 40
        // points) dots would crowd the line: the points are invisible hover targets there, except
        // a value with missing neighbours, which has no line and must show as a dot.
        let dense = n > 40
        for s in series.indices {
            let isolated = Set(Self.runs(series[s].values).filter { $0.count == 1 }.map(\.lowerBound))
            for i in 0..<n where series[s].values[i].isFinite {
                let v = series[s].values[i]
                let label = series.count > 1 ? "\(xLabels[i]) · \(series[s].name)" : xLabels[i]
                let tooltip = frame.tooltip(label, style.exact(v, language))
                if dense, !isolated.contains(i) {
                    frame.canvas.circle(cx: x(i), cy: y(v), r: 4, fill: color(s), opacity: 0, cls: "point", tooltip: tooltip)
                } else {
                    frame.canvas.circle(cx: x(i), cy: y(v), r: dense ? 2.5 : 3.5, fill: dense ? color(s) : "#ffffff",
                                        stroke: dense ? nil : color(s), strokeWidth: 2, cls: "point", tooltip: tooltip)
                }
            }
        }
        // A short single line prints its values above the points when they all fit.
        if series.count == 1, n <= 16 {
            let values = series[0].values
            let spacing = n > 1 ? plot.width / Double(n - 1) : plot.width
            let texts = values.map { style.compact($0, language) }
            let fit = zip(values, texts).allSatisfy { !$0.isFinite || TextMetrics.width($1, size: Theme.valueSize) + 4 <= spacing }
            if fit {
                for i in 0..<n where values[i].isFinite {
                    // Above a point at or above zero, below a negative one.
                    let ty = values[i] >= 0 ? y(values[i]) - 8 : y(values[i]) + 16
                    frame.canvas.text(texts[i], x: x(i), y: ty, size: Theme.valueSize, anchor: .middle,
                                      fill: Theme.ink, cls: "value-label")
                }
            }
        }
        for i in 0..<n { labels.draw(i, x: x(i), axisY: plot.maxY, on: &frame.canvas) }
        return frame.svg()
    }

    func geometry(_ content: Rect, lo: Double, hi: Double) -> (Rect, NiceScale, CategoryLabels, [String]) {
        let scale = NiceScale(lower: lo, upper: hi, target: content.height < 180 ? 3 : 5, minimumStep: style.minimumStep)
        let format = TickFormatter(style: style, language: language, scale: scale)
        let tickLabels = scale.ticks.map { format($0) }
        let tickWidth = tickLabels.map { TextMetrics.width($0, size: Theme.valueSize) }.max() ?? 0
        let n = xLabels.count
        let maxSlanted = min(120, content.height * 0.3)
        var left = content.x + tickWidth + 8
        // The last label is centred on the right edge: leave it half its width.
        let lastHalf = (xLabels.last.map { TextMetrics.width($0, size: Theme.labelSize) } ?? 0) / 2
        var right = content.maxX - min(lastHalf, content.width * 0.15)
        let spacing = { (left: Double, right: Double) in n > 1 ? (right - left) / Double(n - 1) : right - left }
        var labels = CategoryLabels(xLabels, slot: spacing(left, right), maxSlantedWidth: maxSlanted)
        switch labels.mode {
        case .slanted:
            right = content.maxX - 6
            left = max(left, content.x + labels.leftReach + 2)
        case .level:
            left = max(left, content.x + labels.leftReach)
        }
        labels = CategoryLabels(xLabels, slot: spacing(left, right), maxSlantedWidth: maxSlanted)
        let valueLabels = series.count == 1 && n <= 16
        let headroom = valueLabels ? 16.0 : 8  // room for value labels above the top point
        let footroom = valueLabels && lo < 0 ? 14.0 : 0  // and below the lowest negative one
        let plot = Rect(x: left, y: content.y + headroom, width: right - left,
                        height: max(10, content.height - headroom - footroom - labels.height))
        return (plot, scale, labels, tickLabels)
    }

    /// The index ranges of consecutive finite values: [1, nan, 2, 3] -> [0..<1, 2..<4].
    static func runs(_ values: [Double]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start: Int?
        for (i, v) in values.enumerated() {
            if v.isFinite {
                if start == nil { start = i }
            } else if let s = start {
                out.append(s..<i)
                start = nil
            }
        }
        if let s = start { out.append(s..<values.count) }
        return out
    }
}
