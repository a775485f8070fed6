/// The parts every chart shares: the SVG root with its title, the visible heading, the legend,
/// the category axis labels and the "no data" frame.
struct ChartFrame {
    var canvas: SVGCanvas
    /// The area left for the chart below the heading (and legend, once drawn), inside the margins.
    var content: Rect
    let language: ChartLanguage

    static let margin = 12.0

    /// Starts a chart of `kind` (`bar`, `line`, ...): the document title is `title`, or the kind's
    /// name when there is none; a visible heading is drawn only for a given title.
    init(kind: String, title: String?, fallbackTitle: String, width: Int, height: Int, language: ChartLanguage) {
        let w = Double(max(width, 160)), h = Double(max(height, 100))
        self.language = language
        let heading = title.flatMap { $0.isEmpty ? nil : $0 }
        canvas = SVGCanvas(kind: kind, width: w, height: h, label: heading ?? fallbackTitle)
        var top = Self.margin
        if let heading {
            let shown = TextMetrics.truncate(heading, maxWidth: w - 2 * Self.margin, size: Theme.titleSize)
            canvas.text(shown, x: Self.margin, y: Self.margin + Theme.titleSize, size: Theme.titleSize,
                        fill: Theme.titleInk, bold: true, cls: "chart-title")
            top += Theme.titleSize + 14
        }
        content = Rect(x: Self.margin, y: top, width: w - 2 * Self.margin, height: h - top - Self.margin)
    }

    /// Draws a legend of coloured swatches and names across the top of the content area, wrapping
    /// onto more lines when needed, and moves the content area below it.
    mutating func legend(_ items: [(name: String, color: String)]) {
        guard !items.isEmpty else { return }
        let size = Theme.labelSize, swatch = 10.0, gap = 18.0, lineHeight = 18.0
        var x = content.x, y = content.y
        for item in items {
            let name = TextMetrics.truncate(item.name, maxWidth: content.width / 2, size: size)
            let itemWidth = swatch + 6 + TextMetrics.width(name, size: size)
            if x > content.x, x + itemWidth > content.maxX { x = content.x; y += lineHeight }
            canvas.rect(Rect(x: x, y: y + 2, width: swatch, height: swatch), fill: item.color, rx: 2, cls: "legend-swatch")
            canvas.text(name, x: x + swatch + 6, y: y + 11, size: size, fill: Theme.ink, cls: "legend-label")
            x += itemWidth + gap
        }
        let used = y + lineHeight + 8 - content.y
        content.y += used
        content.height -= used
    }

    /// A light frame over the content area with "暂无数据" / "No data" in its centre.
    mutating func noData() {
        canvas.rect(content, fill: Theme.noDataFill, rx: 4, stroke: Theme.grid, cls: "no-data-frame")
        canvas.text(language.text("暂无数据", "No data"), x: content.midX, y: content.midY + 5, size: 14,
                    anchor: .middle, fill: Theme.mutedInk, cls: "no-data")
    }

    /// `label：value` in Chinese, `label: value` in English, as hover titles print them.
    func tooltip(_ label: String, _ value: String) -> String {
        language == .zh ? "\(label)：\(value)" : "\(label): \(value)"
    }

    func svg() -> String { canvas.finished() }
}

/// How category labels along a horizontal axis are printed so they never overlap: all of them
/// level; every k-th level (long runs such as 90 days); or all of them slanted at 45°.
struct CategoryLabels {
    enum Mode: Equatable { case level(every: Int), slanted }

    let mode: Mode
    /// The labels as printed (slanted ones may be truncated with `…`).
    let labels: [String]
    /// The height the labels take below the axis.
    let height: Double
    /// How far the first slanted label reaches left of its tick.
    let leftReach: Double

    static let size = Theme.labelSize
    static let maxSlanted = 31

    /// Plans labels spaced `slot` apart; `maxSlantedWidth` caps a slanted label's length.
    init(_ texts: [String], slot: Double, maxSlantedWidth: Double) {
        let size = Self.size
        let widths = texts.map { TextMetrics.width($0, size: size) }
        let widest = widths.max() ?? 0
        if widest + 6 <= slot {
            mode = .level(every: 1)
        } else if slot >= size + 3, texts.count <= Self.maxSlanted {
            mode = .slanted
        } else {
            mode = .level(every: max(1, Int(((widest + 10) / max(slot, 0.01)).rounded(.up))))
        }
        switch mode {
        case .slanted:
            labels = texts.map { TextMetrics.truncate($0, maxWidth: maxSlantedWidth, size: size) }
            let longest = labels.map { TextMetrics.width($0, size: size) }.max() ?? 0
            height = longest * 0.71 + size * 0.71 + 14
            leftReach = (labels.first.map { TextMetrics.width($0, size: size) } ?? 0) * 0.71
        case .level:
            labels = texts
            height = size + 12
            leftReach = (widths.first ?? 0) / 2
        }
    }

    /// Draws label `i` (when shown) centred on `x`, hanging below `axisY`.
    func draw(_ i: Int, x: Double, axisY: Double, on canvas: inout SVGCanvas) {
        switch mode {
        case .level(let every):
            guard i % every == 0 else { return }
            canvas.text(labels[i], x: x, y: axisY + 6 + Self.size, size: Self.size, anchor: .middle,
                        fill: Theme.mutedInk, cls: "category-label")
        case .slanted:
            canvas.text(labels[i], x: x + 4, y: axisY + 12, size: Self.size, anchor: .end, fill: Theme.mutedInk,
                        rotate: -45, cls: "category-label")
        }
    }
}

/// One chart's worth of data: a name for the legend and one value per category or x label.
public struct Series: Sendable {
    /// The legend name.
    public var name: String
    /// One value per category (bar chart) or x label (line chart); `Double.nan` marks a missing value.
    public var values: [Double]

    public init(name: String, values: [Double]) {
        self.name = name
        self.values = values
    }
}
