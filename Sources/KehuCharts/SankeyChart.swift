/// Flows between columns of nodes, e.g. AIPL stages at the start of a period (left column) to
/// stages at its end (right column); more columns chain periods.
///
/// A node's height is proportional to its total flow (the larger of what flows in and what flows
/// out); a link is a cubic-Bézier band whose width is proportional to its value, coloured by its
/// source node's AIPL stage. Zero links are omitted, and so are nodes no flow touches.
public struct SankeyChart: Sendable {
    /// A node: `id` names it in links; `column` 0 is the leftmost. `stage` (`"A"`, `"I"`, `"P"`,
    /// `"L"`, `"none"`) picks its colour; when nil the stage is read from the id (`"P"`,
    /// `"start-P"`, `"P_end"`), and failing that the node takes the palette colour of its row.
    public struct Node: Sendable {
        public var id: String
        public var label: String
        public var column: Int
        public var stage: String?

        public init(id: String, label: String, column: Int, stage: String? = nil) {
            self.id = id
            self.label = label
            self.column = column
            self.stage = stage
        }
    }

    /// A flow of `value` from node `from` to node `to` (in a later column).
    public struct Link: Sendable {
        public var from: String
        public var to: String
        public var value: Double

        public init(from: String, to: String, value: Double) {
            self.from = from
            self.to = to
            self.value = value
        }
    }

    public var title: String?
    public var nodes: [Node]
    public var links: [Link]
    public var style: ValueStyle
    public var language: ChartLanguage
    public var width: Int
    public var height: Int

    /// - Precondition: node ids are unique, columns are not negative, links join known nodes
    ///   from an earlier column to a later one, and link values are not negative.
    public init(title: String? = nil, nodes: [Node], links: [Link], style: ValueStyle = .count, language: ChartLanguage = .zh,
                width: Int = 640, height: Int = 360) {
        var columns: [String: Int] = [:]
        for node in nodes {
            precondition(node.column >= 0, "SankeyChart: node \"\(node.id)\" has negative column \(node.column)")
            precondition(columns[node.id] == nil, "SankeyChart: node id \"\(node.id)\" appears twice")
            columns[node.id] = node.column
        }
        for link in links {
            guard let from = columns[link.from] else { preconditionFailure("SankeyChart: link from unknown node \"\(link.from)\"") }
            guard let to = columns[link.to] else { preconditionFailure("SankeyChart: link to unknown node \"\(link.to)\"") }
            precondition(from < to, "SankeyChart: link \"\(link.from)\" -> \"\(link.to)\" must go from an earlier column to a later one")
            precondition(!(link.value < 0), "SankeyChart: link \"\(link.from)\" -> \"\(link.to)\" has negative value \(link.value)")
        }
        self.title = title
        self.nodes = nodes
        self.links = links
        self.style = style
        self.language = language
        self.width = width
        self.height = height
    }

    /// Where everything goes: node rectangles and link bands, in SVG units.
    struct Layout {
        struct PlacedNode {
            var node: Int  // index into `nodes`
            var rect: Rect
            var total: Double
        }
        struct Band {
            var link: Int  // index into `links`
            var source: Int  // index into `placed`
            var target: Int
            var sourceY: Double  // top of the band at the source node
            var targetY: Double  // top of the band at the target node
            var thickness: Double
        }
        var placed: [PlacedNode] = []
        var bands: [Band] = []
        var unitsPerValue = 0.0
        var nodeWidth = 14.0
    }

    static func labelText(_ label: String, total: String) -> String { "\(label) \(total)" }

    func layout(_ content: Rect) -> Layout {
        let index = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1.id, $0) })
        let live = links.indices.filter { links[$0].value.isFinite && links[$0].value > 0 }
        var inflow = [Double](repeating: 0, count: nodes.count), outflow = inflow
        for l in live {
            outflow[index[links[l].from]!] += links[l].value
            inflow[index[links[l].to]!] += links[l].value
        }
        let totals = nodes.indices.map { max(inflow[$0], outflow[$0]) }
        let shown = nodes.indices.filter { totals[$0] > 0 }
        var layout = Layout()
        guard !shown.isEmpty else { return layout }
        let columns = Array(Set(shown.map { nodes[$0].column })).sorted()
        let byColumn = columns.map { c in shown.filter { nodes[$0].column == c } }

        // Labels sit left of the first column and right of the others: reserve the outer ones.
        func labelWidth(_ i: Int) -> Double {
            TextMetrics.width(Self.labelText(nodes[i].label, total: style.compact(totals[i], language)), size: Theme.labelSize)
        }
        let leftLabels = min(byColumn.first!.map(labelWidth).max()! + 8, content.width * 0.28)
        let rightLabels = columns.count > 1 ? min(byColumn.last!.map(labelWidth).max()! + 8, content.width * 0.28) : 0
        let plot = Rect(x: content.x + leftLabels, y: content.y, width: content.width - leftLabels - rightLabels,
                        height: content.height)
        let tallest = byColumn.map(\.count).max()!
        let padding = tallest > 1 ? min(12, plot.height * 0.3 / Double(tallest - 1)) : 0
        let units = byColumn.map { members in
            (plot.height - padding * Double(members.count - 1)) / members.map { totals[$0] }.reduce(0, +)
        }.min()!
        layout.unitsPerValue = units
        let nodeWidth = layout.nodeWidth
        var placedIndex: [Int: Int] = [:]
        for (c, members) in byColumn.enumerated() {
            let x = columns.count > 1 ? plot.x + (plot.width - nodeWidth) * Double(c) / Double(columns.count - 1) : plot.midX - nodeWidth / 2
            let used = members.map { totals[$0] * units }.reduce(0, +) + padding * Double(members.count - 1)
            var y = plot.y + (plot.height - used) / 2
            for i in members {
                placedIndex[i] = layout.placed.count
                layout.placed.append(.init(node: i, rect: Rect(x: x, y: y, width: nodeWidth, height: totals[i] * units), total: totals[i]))
                y += totals[i] * units + padding
            }
        }
        // Bands leave a node in the order of their targets and enter in the order of their
        // sources, so they do not cross at the nodes.
        let order = { (l: Int, end: KeyPath<Link, String>) in placedIndex[index[links[l][keyPath: end]]!]! }
        var outOffset = [Double](repeating: 0, count: layout.placed.count), inOffset = outOffset
        var sourceY: [Int: Double] = [:], targetY: [Int: Double] = [:]
        for l in live.sorted(by: { (order($0, \.from), order($0, \.to), $0) < (order($1, \.from), order($1, \.to), $1) }) {
            let s = order(l, \.from)
            sourceY[l] = layout.placed[s].rect.y + outOffset[s]
            outOffset[s] += links[l].value * units
        }
        for l in live.sorted(by: { (order($0, \.to), order($0, \.from), $0) < (order($1, \.to), order($1, \.from), $1) }) {
            let t = order(l, \.to)
            targetY[l] = layout.placed[t].rect.y + inOffset[t]
            inOffset[t] += links[l].value * units
        }
        layout.bands = live.map { l in
            .init(link: l, source: order(l, \.from), target: order(l, \.to), sourceY: sourceY[l]!, targetY: targetY[l]!,
                  thickness: links[l].value * units)
        }
        return layout
    }

    /// The colour of node `i`: its stage's, else the stage its id names, else its row's palette colour.
    func color(_ i: Int) -> String {
        let node = nodes[i]
        if let stage = node.stage { return ChartPalette.stage(stage) }
        if ChartPalette.stageKey(node.id) != nil { return ChartPalette.stage(node.id) }
        let parts = node.id.split(whereSeparator: { "-_:./ ".contains($0) }).map(String.init)
        if let key = parts.lazy.compactMap(ChartPalette.stageKey).first { return ChartPalette.stage(key) }
        let row = nodes[..<i].filter { $0.column == node.column }.count
        return ChartPalette.color(row)
    }

    /// Tall nodes print name and total on two lines, short ones on one.
    static func twoLineLabel(_ p: Layout.PlacedNode) -> Bool { p.rect.height >= 30 }

    /// The vertical centre of each node's label: the node's middle, unless labels of small
    /// neighbouring nodes in the same column would overlap; then they are pushed apart (down,
    /// and back up if they run off the bottom).
    static func labelCentres(_ placed: [Layout.PlacedNode], within content: Rect) -> [Double] {
        var centres = placed.map(\.rect.midY)
        let extent = placed.map { twoLineLabel($0) ? 32.0 : 15.0 }
        for x in Set(placed.map(\.rect.x)) {
            let column = placed.indices.filter { placed[$0].rect.x == x }.sorted { centres[$0] < centres[$1] }
            for (a, b) in zip(column, column.dropFirst()) {
                centres[b] = max(centres[b], centres[a] + (extent[a] + extent[b]) / 2)
            }
            if let last = column.last, centres[last] + extent[last] / 2 > content.maxY {
                centres[last] = content.maxY - extent[last] / 2
                for (b, a) in zip(column.reversed(), column.reversed().dropFirst()) {
                    centres[a] = min(centres[a], centres[b] - (extent[a] + extent[b]) / 2)
                }
            }
        }
        return centres
    }

    /// The chart as a standalone SVG document.
    public func svg() -> String {
        var frame = ChartFrame(kind: "sankey", title: title, fallbackTitle: language.text("流转图", "Flow"),
                               width: width, height: height, language: language)
        let layout = layout(frame.content)
        guard !layout.placed.isEmpty else {
            frame.noData()
            return frame.svg()
        }
        for band in layout.bands {
            let source = layout.placed[band.source], target = layout.placed[band.target]
            let x0 = source.rect.maxX, x1 = target.rect.x
            let mid = (x0 + x1) / 2
            let s0 = band.sourceY, s1 = band.sourceY + band.thickness
            let t0 = band.targetY, t1 = band.targetY + band.thickness
            let d = "M\(SVG.n(x0)) \(SVG.n(s0))C\(SVG.n(mid)) \(SVG.n(s0)) \(SVG.n(mid)) \(SVG.n(t0)) \(SVG.n(x1)) \(SVG.n(t0))"
                + "L\(SVG.n(x1)) \(SVG.n(t1))C\(SVG.n(mid)) \(SVG.n(t1)) \(SVG.n(mid)) \(SVG.n(s1)) \(SVG.n(x0)) \(SVG.n(s1))Z"
            let link = links[band.link]
            let name = "\(nodes[source.node].label) → \(nodes[target.node].label)"
            var tip = frame.tooltip(name, style.exact(link.value, language))
            if source.total > 0 { tip += language.text("（占来源 ", " (") + NumberFormat.percent(link.value / source.total) + language.text("）", " of source)") }
            frame.canvas.path(d, fill: color(source.node), opacity: 0.38, cls: "link", tooltip: tip)
        }
        let lastX = layout.placed.map(\.rect.x).max()!
        let firstX = layout.placed.map(\.rect.x).min()!
        for p in layout.placed {
            frame.canvas.rect(p.rect, fill: color(p.node), cls: "node",
                              tooltip: frame.tooltip(nodes[p.node].label, style.exact(p.total, language)))
        }
        let centres = Self.labelCentres(layout.placed, within: frame.content)
        for (k, p) in layout.placed.enumerated() {
            let node = nodes[p.node]
            let total = style.compact(p.total, language)
            let onLeft = p.rect.x == firstX && lastX > firstX
            let x = onLeft ? p.rect.x - 6 : p.rect.maxX + 6
            let anchor: TextAnchor = onLeft ? .end : .start
            let room = onLeft ? p.rect.x - frame.content.x - 6 : frame.content.maxX - x
            let y = centres[k]
            if Self.twoLineLabel(p) {
                frame.canvas.text(TextMetrics.truncate(node.label, maxWidth: room, size: Theme.labelSize), x: x,
                                  y: y - 2, size: Theme.labelSize, anchor: anchor, fill: Theme.titleInk, bold: true,
                                  cls: "node-label")
                frame.canvas.text(total, x: x, y: y + 13, size: Theme.valueSize, anchor: anchor,
                                  fill: Theme.mutedInk, cls: "node-total")
            } else {
                let text = TextMetrics.truncate(Self.labelText(node.label, total: total), maxWidth: room, size: Theme.labelSize)
                frame.canvas.text(text, x: x, y: y + 4, size: Theme.labelSize, anchor: anchor, fill: Theme.titleInk,
                                  cls: "node-label")
            }
        }
        return frame.svg()
    }
}
