/// Bars per category: grouped (one bar per series side by side) or stacked, vertical or
/// horizontal (for long Chinese category names such as RFM segments).
///
/// Values start at a zero baseline, so negative values hang below (or left of) it. In a stacked
/// chart positive values stack upwards from zero and negative ones downwards. Bars print their
/// value when the label fits; every bar carries a hover title with its exact value.
///
/// Vertical side-by-side bars draw each value's interval (``Series/intervals``, e.g. a 95%
/// confidence interval) as a whisker with caps; the axis covers the whiskers and the value prints
/// above the whisker's top. Stacked and horizontal bars draw no intervals.
public struct BarChart: Sendable {
    /// The heading drawn top left and the document title; nil draws no heading.
    public var title: String?
    /// One label per bar group, left to right (top to bottom when horizontal).
    public var categories: [String]
    /// The series, each with one value per category.
    public var series: [Series]
    /// Stack the series in one bar per category instead of side by side.
    public var stacked: Bool
    /// Bars grow rightwards with categories down the left, for long labels.
    public var horizontal: Bool
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

    /// - Precondition: every series has exactly one value per category.
    public init(title: String? = nil, categories: [String], series: [Series], stacked: Bool = false, horizontal: Bool = false,
                style: ValueStyle = .count, language: ChartLanguage = .zh, width: Int = 640, height: Int = 320,
                colors: [String]? = nil) {
        for s in series {
            precondition(s.values.count == categories.count,
                         "BarChart: series \"\(s.name)\" has \(s.values.count) values for \(categories.count) categories")
        }
        self.title = title
        self.categories = categories
        self.series = series
        self.stacked = stacked
        self.horizontal = horizontal
        self.style = style
        self.language = language
        self.width = width
        self.height = height
        self.colors = colors
    }

    /// The chart as a standalone SVG document.
    public func svg() -> String {
        var frame = ChartFrame(kind: "bar", title: title, fallbackTitle: language.text("柱状图", "Bar chart"),
                               width: width, height: height, language: language)
        guard let domain = valueDomain() else {
            frame.noData()
            return frame.svg()
        }
        if series.count > 1 { frame.legend(series.indices.map { (series[$0].name, color($0)) }) }
        if horizontal { drawHorizontal(&frame, domain) } else { drawVertical(&frame, domain) }
        return frame.svg()
    }

    func color(_ i: Int) -> String {
        if let colors, i < colors.count { return colors[i] }
        return ChartPalette.color(i)
    }

    /// The lowest and highest value the bars reach (stack sums when stacked), both including 0;
    /// nil when there is nothing but zeros and missing values to draw.
    func valueDomain() -> (lo: Double, hi: Double)? {
        guard !categories.isEmpty, !series.isEmpty else { return nil }
        var lo = 0.0, hi = 0.0, any = false
        for i in categories.indices {
            var positive = 0.0, negative = 0.0
            for s in series {
                let v = s.values[i]
                guard v.isFinite else { continue }
                if v != 0 { any = true }
                if stacked {
                    if v > 0 { positive += v } else { negative += v }
                } else {
                    hi = max(hi, v)
                    lo = min(lo, v)
                    if !horizontal, let range = s.interval(i) {
                        hi = max(hi, range.upperBound)
                        lo = min(lo, range.lowerBound)
                    }
                }
            }
            hi = max(hi, positive)
            lo = min(lo, negative)
        }
        return any ? (lo, hi) : nil
    }

    /// The positive and negative stack totals of category `i`.
    func stackTotals(_ i: Int) -> (positive: Double, negative: Double) {
        var positive = 0.0, negative = 0.0
        for s in series where s.values[i].isFinite {
            if s.values[i] > 0 { positive += s.values[i] } else { negative += s.values[i] }
        }
        return (positive, negative)
    }

    private func barTooltip(_ frame: ChartFrame, category: Int, series s: Int) -> String {
        let label = series.count > 1 ? "\(categories[category]) · \(series[s].name)" : categories[category]
        var value = style.exact(series[s].values[category], language)
        if !stacked, !horizontal, let range = series[s].interval(category) {
            value += " (\(style.exact(range.lowerBound, language)) – \(style.exact(range.upperBound, language)))"
        }
        return frame.tooltip(label, value)
    }

    // MARK: Vertical bars

    /// The plot rectangle and value axis of a vertical chart: computed once, used to draw and
    /// by the tests to check geometry.
    struct Geometry {
        var plot: Rect
        var scale: NiceScale
    }

    func verticalGeometry(_ content: Rect, _ domain: (lo: Double, hi: Double)) -> (Geometry, CategoryLabels, [String]) {
        let scale = NiceScale(lower: domain.lo, upper: domain.hi, target: content.height < 180 ? 3 : 5,
                              minimumStep: style.minimumStep)
        let format = TickFormatter(style: style, language: language, scale: scale)
        let tickLabels = scale.ticks.map { format($0) }
        let tickWidth = tickLabels.map { TextMetrics.width($0, size: Theme.valueSize) }.max() ?? 0
        var left = content.x + tickWidth + 8
        let n = Double(categories.count)
        var labels = CategoryLabels(categories, slot: (content.maxX - left) / n, maxSlantedWidth: min(120, content.height * 0.3))
        if case .slanted = labels.mode {
            // The first slanted label hangs left of its bar: keep it inside the chart.
            let slot = (content.maxX - left) / n
            left = max(left, content.x + labels.leftReach - slot / 2 + 2)
            labels = CategoryLabels(categories, slot: (content.maxX - left) / n, maxSlantedWidth: min(120, content.height * 0.3))
        }
        let headroom = 16.0  // value labels above the tallest bar
        let footroom = domain.lo < 0 ? 14.0 : 0  // value labels below the deepest negative bar
        let plot = Rect(x: left, y: content.y + headroom, width: content.maxX - left,
                        height: max(10, content.height - headroom - footroom - labels.height))
        return (Geometry(plot: plot, scale: scale), labels, tickLabels)
    }

    private func drawVertical(_ frame: inout ChartFrame, _ domain: (lo: Double, hi: Double)) {
        let (geometry, labels, tickLabels) = verticalGeometry(frame.content, domain)
        let plot = geometry.plot, scale = geometry.scale
        func y(_ v: Double) -> Double { plot.maxY - scale.fraction(v) * plot.height }

        for (tick, label) in zip(scale.ticks, tickLabels) {
            frame.canvas.line(x1: plot.x, y1: y(tick), x2: plot.maxX, y2: y(tick), stroke: Theme.grid, cls: "grid")
            frame.canvas.text(label, x: plot.x - 8, y: y(tick) + 4, size: Theme.valueSize, anchor: .end,
                              fill: Theme.mutedInk, cls: "tick-label")
        }

        let n = categories.count
        let slot = plot.width / Double(n)
        let groupWidth = min(slot * (series.count > 1 && !stacked ? 0.8 : 0.62), stacked ? 64 : 48 * Double(series.count))
        let barWidth = stacked ? groupWidth : groupWidth / Double(series.count)
        let gap = series.count > 1 && !stacked && barWidth > 4 ? 1.0 : 0
        let rx = stacked ? 0 : min(2, barWidth / 4)
        // Values print on every bar or on none: a chart where some bars have numbers and their
        // neighbours not reads as if the unlabelled ones were missing.
        let room = series.count == 1 ? slot - 4 : barWidth + 2
        let labelsFit = categories.indices.allSatisfy { i in
            if stacked {
                let total = stackTotals(i)
                return TextMetrics.width(style.compact(total.positive != 0 ? total.positive : total.negative, language),
                                         size: Theme.valueSize) <= slot - 2
            }
            return series.allSatisfy { s in
                !s.values[i].isFinite || TextMetrics.width(style.compact(s.values[i], language), size: Theme.valueSize) <= room
            }
        }

        for i in 0..<n {
            let groupX = plot.x + slot * Double(i) + (slot - groupWidth) / 2
            if stacked {
                var positive = 0.0, negative = 0.0
                for s in series.indices {
                    let v = series[s].values[i]
                    guard v.isFinite, v != 0 else { continue }
                    let base = v > 0 ? positive : negative
                    let top = base + v
                    let bar = Rect(x: groupX, y: min(y(base), y(top)), width: barWidth, height: abs(y(top) - y(base)))
                    frame.canvas.rect(bar, fill: color(s), cls: "bar", tooltip: barTooltip(frame, category: i, series: s))
                    let text = style.compact(v, language)
                    if bar.height >= 15, TextMetrics.width(text, size: Theme.valueSize) + 6 <= barWidth {
                        frame.canvas.text(text, x: bar.midX, y: bar.midY + 4, size: Theme.valueSize, anchor: .middle,
                                          fill: "#ffffff", cls: "value-label")
                    }
                    if v > 0 { positive = top } else { negative = top }
                }
                // The stack total above (or below, for an all-negative stack) the stack.
                let total = positive != 0 ? positive : negative
                let text = style.compact(total, language)
                if total != 0, labelsFit {
                    let ty = total > 0 ? y(total) - 5 : y(total) + 13
                    frame.canvas.text(text, x: groupX + barWidth / 2, y: ty, size: Theme.valueSize, anchor: .middle,
                                      fill: Theme.ink, bold: true, cls: "total-label")
                }
            } else {
                for s in series.indices {
                    let v = series[s].values[i]
                    guard v.isFinite else { continue }
                    let x = groupX + barWidth * Double(s)
                    let bar = Rect(x: x, y: min(y(0), y(v)), width: barWidth - gap, height: abs(y(v) - y(0)))
                    frame.canvas.rect(bar, fill: color(s), rx: rx, cls: "bar", tooltip: barTooltip(frame, category: i, series: s))
                    var top = v
                    var bottom = v
                    if let range = series[s].interval(i) {
                        // The whisker: a vertical line from the lower to the upper bound, with caps.
                        let cap = min(10, max(4, (barWidth - gap) * 0.3))
                        let x = bar.midX
                        frame.canvas.line(x1: x, y1: y(range.lowerBound), x2: x, y2: y(range.upperBound), stroke: Theme.ink, width: 1.5, cls: "interval")
                        for bound in [range.lowerBound, range.upperBound] {
                            frame.canvas.line(x1: x - cap / 2, y1: y(bound), x2: x + cap / 2, y2: y(bound), stroke: Theme.ink, width: 1.5, cls: "interval-cap")
                        }
                        top = max(v, range.upperBound)
                        bottom = min(v, range.lowerBound)
                    }
                    if labelsFit {
                        let text = style.compact(v, language)
                        let ty = v >= 0 ? y(top) - 5 : y(bottom) + 13
                        frame.canvas.text(text, x: bar.midX, y: ty, size: Theme.valueSize, anchor: .middle,
                                          fill: Theme.ink, cls: "value-label")
                    }
                }
            }
        }
        frame.canvas.line(x1: plot.x, y1: y(0), x2: plot.maxX, y2: y(0), stroke: Theme.axis, cls: "baseline")
        for i in 0..<n {
            labels.draw(i, x: plot.x + slot * (Double(i) + 0.5), axisY: plot.maxY, on: &frame.canvas)
        }
    }

    // MARK: Horizontal bars

    func horizontalGeometry(_ content: Rect, _ domain: (lo: Double, hi: Double)) -> (Geometry, [String], Double) {
        let size = Theme.labelSize
        let labelWidth = min(categories.map { TextMetrics.width($0, size: size) }.max() ?? 0, content.width * 0.32)
        let left = content.x + labelWidth + 10
        // Room on the right for the value printed past the longest bar.
        var valueWidth = 0.0
        for i in categories.indices {
            if stacked {
                valueWidth = max(valueWidth, TextMetrics.width(style.compact(stackTotals(i).positive, language), size: Theme.valueSize))
            } else {
                for s in series where s.values[i].isFinite {
                    valueWidth = max(valueWidth, TextMetrics.width(style.compact(s.values[i], language), size: Theme.valueSize))
                }
            }
        }
        var scale = NiceScale(lower: domain.lo, upper: domain.hi, target: 5, minimumStep: style.minimumStep)
        var format = TickFormatter(style: style, language: language, scale: scale)
        var tickLabels = scale.ticks.map { format($0) }
        let tickWidth = { (labels: [String]) in labels.map { TextMetrics.width($0, size: Theme.valueSize) }.max() ?? 0 }
        let rightPad = max(min(valueWidth + 8, content.width * 0.2), tickWidth(tickLabels) / 2)
        let plotWidth = content.maxX - rightPad - left
        if plotWidth / Double(max(1, tickLabels.count - 1)) < tickWidth(tickLabels) + 12 {
            scale = NiceScale(lower: domain.lo, upper: domain.hi, target: 3, minimumStep: style.minimumStep)
            format = TickFormatter(style: style, language: language, scale: scale)
            tickLabels = scale.ticks.map { format($0) }
        }
        let plot = Rect(x: left, y: content.y, width: plotWidth, height: max(10, content.height - 20))
        return (Geometry(plot: plot, scale: scale), tickLabels, labelWidth)
    }

    private func drawHorizontal(_ frame: inout ChartFrame, _ domain: (lo: Double, hi: Double)) {
        let (geometry, tickLabels, labelWidth) = horizontalGeometry(frame.content, domain)
        let plot = geometry.plot, scale = geometry.scale
        func x(_ v: Double) -> Double { plot.x + scale.fraction(v) * plot.width }

        for (tick, label) in zip(scale.ticks, tickLabels) {
            frame.canvas.line(x1: x(tick), y1: plot.y, x2: x(tick), y2: plot.maxY, stroke: Theme.grid, cls: "grid")
            frame.canvas.text(label, x: x(tick), y: plot.maxY + 16, size: Theme.valueSize, anchor: .middle,
                              fill: Theme.mutedInk, cls: "tick-label")
        }

        let n = categories.count
        let row = plot.height / Double(n)
        let band = min(row * 0.7, stacked ? 28 : 22 * Double(series.count))
        let barHeight = stacked ? band : band / Double(series.count)
        let gap = series.count > 1 && !stacked && barHeight > 4 ? 1.0 : 0
        let labelEvery = max(1, Int(((Theme.labelSize + 2) / row).rounded(.up)))
        let valueFits = barHeight >= 9
        let rightEdge = frame.content.maxX

        for i in 0..<n {
            let bandY = plot.y + row * Double(i) + (row - band) / 2
            if i % labelEvery == 0 {
                let text = TextMetrics.truncate(categories[i], maxWidth: labelWidth, size: Theme.labelSize)
                frame.canvas.text(text, x: plot.x - 10, y: plot.y + row * (Double(i) + 0.5) + 4, size: Theme.labelSize,
                                  anchor: .end, fill: Theme.ink, cls: "category-label")
            }
            if stacked {
                var positive = 0.0, negative = 0.0
                for s in series.indices {
                    let v = series[s].values[i]
                    guard v.isFinite, v != 0 else { continue }
                    let base = v > 0 ? positive : negative
                    let end = base + v
                    let bar = Rect(x: min(x(base), x(end)), y: bandY, width: abs(x(end) - x(base)), height: barHeight)
                    frame.canvas.rect(bar, fill: color(s), cls: "bar", tooltip: barTooltip(frame, category: i, series: s))
                    let text = style.compact(v, language)
                    if valueFits, TextMetrics.width(text, size: Theme.valueSize) + 8 <= bar.width {
                        frame.canvas.text(text, x: bar.midX, y: bar.midY + 4, size: Theme.valueSize, anchor: .middle,
                                          fill: "#ffffff", cls: "value-label")
                    }
                    if v > 0 { positive = end } else { negative = end }
                }
                let text = style.compact(positive, language)
                if positive > 0, valueFits, x(positive) + 4 + TextMetrics.width(text, size: Theme.valueSize) <= rightEdge {
                    frame.canvas.text(text, x: x(positive) + 4, y: bandY + barHeight / 2 + 4, size: Theme.valueSize,
                                      fill: Theme.ink, bold: true, cls: "total-label")
                }
            } else {
                for s in series.indices {
                    let v = series[s].values[i]
                    guard v.isFinite else { continue }
                    let y = bandY + barHeight * Double(s)
                    let bar = Rect(x: min(x(0), x(v)), y: y, width: abs(x(v) - x(0)), height: barHeight - gap)
                    frame.canvas.rect(bar, fill: color(s), rx: min(2, barHeight / 4), cls: "bar",
                                      tooltip: barTooltip(frame, category: i, series: s))
                    let text = style.compact(v, language)
                    let textWidth = TextMetrics.width(text, size: Theme.valueSize)
                    guard valueFits else { continue }
                    if v >= 0, x(v) + 4 + textWidth <= rightEdge {
                        frame.canvas.text(text, x: x(v) + 4, y: bar.midY + 4, size: Theme.valueSize, fill: Theme.ink,
                                          cls: "value-label")
                    } else if v < 0, x(v) - 4 - textWidth >= plot.x {
                        frame.canvas.text(text, x: x(v) - 4, y: bar.midY + 4, size: Theme.valueSize, anchor: .end,
                                          fill: Theme.ink, cls: "value-label")
                    } else if textWidth + 8 <= bar.width {
                        frame.canvas.text(text, x: bar.midX, y: bar.midY + 4, size: Theme.valueSize, anchor: .middle,
                                          fill: "#ffffff", cls: "value-label")
                    }
                }
            }
        }
        frame.canvas.line(x1: x(0), y1: plot.y, x2: x(0), y2: plot.maxY, stroke: Theme.axis, cls: "baseline")
    }
}
