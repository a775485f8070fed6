/// A conversion funnel: steps from top to bottom as centred bars whose widths are proportional
/// to their values, each printing its value, its conversion from the previous step and from
/// the first step; the overall conversion (last / first) is printed below.
public struct FunnelChart: Sendable {
    /// One funnel step: its label and its value (people, orders, money).
    public struct Step: Sendable {
        public var label: String
        public var value: Double

        public init(label: String, value: Double) {
            self.label = label
            self.value = value
        }
    }

    public var title: String?
    public var steps: [Step]
    public var style: ValueStyle
    public var language: ChartLanguage
    public var width: Int
    public var height: Int

    public init(title: String? = nil, steps: [Step], style: ValueStyle = .count, language: ChartLanguage = .zh,
                width: Int = 640, height: Int = 320) {
        self.title = title
        self.steps = steps
        self.style = style
        self.language = language
        self.width = width
        self.height = height
    }

    /// `steps[i].value / steps[i - 1].value` as printed (`60.0%`); `–` for the first step or a
    /// zero previous step.
    func fromPrevious(_ i: Int) -> String {
        guard i > 0 else { return "–" }
        return Self.share(steps[i].value, of: steps[i - 1].value)
    }

    /// `steps[i].value / steps[0].value` as printed; `–` when the first step is zero.
    func fromFirst(_ i: Int) -> String { Self.share(steps[i].value, of: steps[0].value) }

    static func share(_ part: Double, of whole: Double) -> String {
        guard part.isFinite, whole.isFinite, whole > 0 else { return "–" }
        return NumberFormat.percent(part / whole)
    }

    /// The chart as a standalone SVG document.
    public func svg() -> String {
        var frame = ChartFrame(kind: "funnel", title: title, fallbackTitle: language.text("漏斗图", "Funnel"),
                               width: width, height: height, language: language)
        let widest = steps.map { $0.value.isFinite ? max(0, $0.value) : 0 }.max() ?? 0
        guard widest > 0 else {
            frame.noData()
            return frame.svg()
        }
        let content = frame.content
        let n = steps.count
        let labelWidth = min((steps.map { TextMetrics.width($0.label, size: Theme.labelSize) }.max() ?? 0), content.width * 0.24)
        let footer = 24.0
        let row = (content.height - footer) / Double(n)
        let twoLines = row >= 34
        let previousWord = language.text("较上一步", "of previous")
        let firstWord = language.text("占首步", "of first")
        func conversionLines(_ i: Int) -> [String] {
            guard i > 0 else { return [language.text("基准", "baseline")] }
            let previous = language == .zh ? "\(previousWord) \(fromPrevious(i))" : "\(fromPrevious(i)) \(previousWord)"
            let first = language == .zh ? "\(firstWord) \(fromFirst(i))" : "\(fromFirst(i)) \(firstWord)"
            return twoLines ? [previous, first] : [previous + " · " + first]
        }
        let conversionWidth = min(
            (0..<n).flatMap(conversionLines).map { TextMetrics.width($0, size: Theme.labelSize) }.max() ?? 0,
            content.width * 0.34)
        let area = Rect(x: content.x + labelWidth + 14, y: content.y, width: content.width - labelWidth - conversionWidth - 28,
                        height: content.height - footer)
        let barHeight = min(row * 0.72, 56)
        let top = steps.first!.value
        func bar(_ i: Int) -> Rect {
            let v = steps[i].value.isFinite ? max(0, steps[i].value) : 0
            let w = v > 0 ? max(2, v / widest * area.width) : 0
            return Rect(x: area.midX - w / 2, y: area.y + row * Double(i) + (row - barHeight) / 2, width: w, height: barHeight)
        }
        func color(_ i: Int) -> String { ChartPalette.mix("#2f5fc4", "#8fb3f0", n > 1 ? Double(i) / Double(n - 1) : 0) }

        // Connectors first, so the bars paint over their edges.
        for i in 0..<max(0, n - 1) {
            let a = bar(i), b = bar(i + 1)
            let d = "M\(SVG.n(a.x)) \(SVG.n(a.maxY))L\(SVG.n(a.maxX)) \(SVG.n(a.maxY))L\(SVG.n(b.maxX)) \(SVG.n(b.y))"
                + "L\(SVG.n(b.x)) \(SVG.n(b.y))Z"
            frame.canvas.path(d, fill: color(i + 1), opacity: 0.18, cls: "connector")
        }
        for i in 0..<n {
            let r = bar(i)
            var tip = frame.tooltip(steps[i].label, style.exact(steps[i].value, language))
            if i > 0 { tip += " · \(previousWord) \(fromPrevious(i)) · \(firstWord) \(fromFirst(i))" }
            frame.canvas.rect(r, fill: color(i), rx: 3, cls: "step", tooltip: tip)
            let value = style.compact(steps[i].value, language)
            let valueWidth = TextMetrics.width(value, size: Theme.labelSize)
            if valueWidth + 12 <= r.width {
                frame.canvas.text(value, x: r.midX, y: r.midY + 4, size: Theme.labelSize, anchor: .middle, fill: "#ffffff",
                                  bold: true, cls: "value-label")
            } else {
                frame.canvas.text(value, x: r.maxX + 6, y: r.midY + 4, size: Theme.labelSize, fill: Theme.ink, bold: true,
                                  cls: "value-label")
            }
            let label = TextMetrics.truncate(steps[i].label, maxWidth: labelWidth, size: Theme.labelSize)
            frame.canvas.text(label, x: area.x - 14, y: r.midY + 4, size: Theme.labelSize, anchor: .end, fill: Theme.ink,
                              cls: "step-label")
            let lines = conversionLines(i)
            let x = content.maxX - conversionWidth
            if lines.count == 2 {
                frame.canvas.text(lines[0], x: x, y: r.midY - 2, size: Theme.labelSize, fill: Theme.ink, cls: "conversion")
                frame.canvas.text(lines[1], x: x, y: r.midY + 13, size: Theme.valueSize, fill: Theme.mutedInk, cls: "conversion")
            } else {
                frame.canvas.text(TextMetrics.truncate(lines[0], maxWidth: conversionWidth, size: Theme.labelSize), x: x,
                                  y: r.midY + 4, size: Theme.labelSize, fill: i == 0 ? Theme.mutedInk : Theme.ink,
                                  cls: "conversion")
            }
        }
        let overall = Self.share(steps[n - 1].value, of: top)
        let summary = language == .zh
            ? "整体转化率 \(overall)（\(steps[n - 1].label) / \(steps[0].label)）"
            : "Overall conversion \(overall) (\(steps[n - 1].label) / \(steps[0].label))"
        frame.canvas.text(TextMetrics.truncate(summary, maxWidth: content.width, size: Theme.labelSize), x: content.midX,
                          y: content.maxY - 6, size: Theme.labelSize, anchor: .middle, fill: Theme.titleInk, bold: true,
                          cls: "overall-conversion")
        return frame.svg()
    }
}
