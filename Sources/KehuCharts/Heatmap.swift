/// A grid of coloured cells, light for low values and dark for high ones: the retention
/// triangle (cohort days down, day offsets across). `nil` (or NaN) cells are left blank.
///
/// Each cell prints its value when it is wide enough and carries a hover title with the row,
/// the column and the exact value. A key below the grid shows the colour scale.
public struct Heatmap: Sendable {
    public var title: String?
    public var rowLabels: [String]
    public var columnLabels: [String]
    public var values: [[Double?]]
    public var style: ValueStyle
    public var language: ChartLanguage
    public var width: Int
    /// The height; nil sizes the chart to its rows (26 units a row).
    public var height: Int?

    /// - Precondition: one row of values per row label, no row longer than the column labels
    ///   (shorter rows, as in a retention triangle, are blank at the end).
    public init(title: String? = nil, rowLabels: [String], columnLabels: [String], values: [[Double?]], style: ValueStyle = .percent,
                language: ChartLanguage = .zh, width: Int = 640, height: Int? = nil) {
        precondition(values.count == rowLabels.count, "Heatmap: \(values.count) rows of values for \(rowLabels.count) row labels")
        for (r, row) in values.enumerated() {
            precondition(row.count <= columnLabels.count,
                         "Heatmap: row \(r) (\"\(rowLabels[r])\") has \(row.count) values for \(columnLabels.count) columns")
        }
        self.title = title
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
        self.style = style
        self.language = language
        self.width = width
        self.height = height
    }

    static let rowHeight = 26.0
    static let low = "#eef4fd"
    static let high = "#1d4f91"

    /// The height used when none is given: heading, column labels, rows and the key.
    var naturalHeight: Int {
        let heading = (title?.isEmpty ?? true) ? 0.0 : Theme.titleSize + 14
        return Int((ChartFrame.margin * 2 + heading + 22 + Double(max(rowLabels.count, 4)) * Self.rowHeight + 34).rounded(.up))
    }

    func value(_ r: Int, _ c: Int) -> Double? {
        guard c < values[r].count, let v = values[r][c], v.isFinite else { return nil }
        return v
    }

    /// The colour scale's range: from min(0, smallest) to the largest value.
    func range() -> (lo: Double, hi: Double)? {
        var lo = 0.0, hi = 0.0, any = false
        for r in values.indices {
            for c in values[r].indices {
                guard let v = value(r, c) else { continue }
                lo = min(lo, v)
                hi = max(hi, v)
                if v != 0 { any = true }
            }
        }
        return any ? (lo, hi) : nil
    }

    /// The fill for `v`: linear from light (`lo`) to dark (`hi`).
    static func fill(_ v: Double, lo: Double, hi: Double) -> (color: String, t: Double) {
        let t = hi > lo ? (v - lo) / (hi - lo) : 1
        return (ChartPalette.mix(low, high, t), t)
    }

    /// The chart as a standalone SVG document.
    public func svg() -> String {
        var frame = ChartFrame(kind: "heatmap", title: title, fallbackTitle: language.text("热力图", "Heatmap"),
                               width: width, height: height ?? naturalHeight, language: language)
        guard !rowLabels.isEmpty, !columnLabels.isEmpty, let (lo, hi) = range() else {
            frame.noData()
            return frame.svg()
        }
        let content = frame.content
        let rows = rowLabels.count, columns = columnLabels.count
        let rowLabelWidth = min(rowLabels.map { TextMetrics.width($0, size: Theme.labelSize) }.max() ?? 0, content.width * 0.25)
        let header = 22.0, key = 34.0
        let grid = Rect(x: content.x + rowLabelWidth + 10, y: content.y + header,
                        width: content.width - rowLabelWidth - 10, height: max(10, content.height - header - key))
        let cellWidth = grid.width / Double(columns), cellHeight = grid.height / Double(rows)
        let columnWidest = columnLabels.map { TextMetrics.width($0, size: Theme.valueSize) }.max() ?? 0
        let columnEvery = max(1, Int(((columnWidest + 6) / cellWidth).rounded(.up)))
        let rowEvery = max(1, Int(((Theme.labelSize + 1) / cellHeight).rounded(.up)))

        for c in stride(from: 0, to: columns, by: columnEvery) {
            frame.canvas.text(columnLabels[c], x: grid.x + cellWidth * (Double(c) + 0.5), y: grid.y - 8, size: Theme.valueSize,
                              anchor: .middle, fill: Theme.mutedInk, cls: "column-label")
        }
        for r in 0..<rows {
            let y = grid.y + cellHeight * Double(r)
            if r % rowEvery == 0 {
                let text = TextMetrics.truncate(rowLabels[r], maxWidth: rowLabelWidth, size: Theme.labelSize)
                frame.canvas.text(text, x: grid.x - 10, y: y + cellHeight / 2 + 4, size: Theme.labelSize, anchor: .end,
                                  fill: Theme.ink, cls: "row-label")
            }
            for c in 0..<columns {
                guard let v = value(r, c) else { continue }
                let (color, t) = Self.fill(v, lo: lo, hi: hi)
                let inset = cellWidth > 6 && cellHeight > 6 ? 1.0 : 0
                let cell = Rect(x: grid.x + cellWidth * Double(c) + inset / 2, y: y + inset / 2,
                                width: cellWidth - inset, height: cellHeight - inset)
                frame.canvas.rect(cell, fill: color, rx: inset > 0 ? 2 : 0, cls: "cell",
                                  tooltip: frame.tooltip("\(rowLabels[r]) · \(columnLabels[c])", style.exact(v, language)))
                let text = style.compact(v, language)
                if cellHeight >= 14, TextMetrics.width(text, size: Theme.valueSize) + 6 <= cell.width {
                    frame.canvas.text(text, x: cell.midX, y: cell.midY + 4, size: Theme.valueSize, anchor: .middle,
                                      fill: t > 0.5 ? "#ffffff" : Theme.ink, cls: "cell-label")
                }
            }
        }
        // The key: the lowest value, five swatches from light to dark, the highest value.
        let keyY = grid.maxY + 14
        let low = style.compact(lo, language), high = style.compact(hi, language)
        let swatch = 22.0
        var x = grid.x
        frame.canvas.text(low, x: x, y: keyY + 10, size: Theme.valueSize, fill: Theme.mutedInk, cls: "key-label")
        x += TextMetrics.width(low, size: Theme.valueSize) + 6
        for step in 0..<5 {
            frame.canvas.rect(Rect(x: x + swatch * Double(step), y: keyY, width: swatch, height: 12),
                              fill: ChartPalette.mix(Self.low, Self.high, Double(step) / 4), cls: "key-swatch")
        }
        frame.canvas.text(high, x: x + swatch * 5 + 6, y: keyY + 10, size: Theme.valueSize, fill: Theme.mutedInk, cls: "key-label")
        return frame.svg()
    }
}
