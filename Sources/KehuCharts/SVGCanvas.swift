/// Colours and type sizes shared by every chart, so a dashboard page reads as one design.
enum Theme {
    /// Fonts that carry Chinese glyphs on macOS, Linux and Windows, then any sans-serif.
    static let fontFamily = "'PingFang SC','Hiragino Sans GB','Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei',sans-serif"
    static let titleInk = "#1f2937"
    static let ink = "#374151"
    static let mutedInk = "#6b7280"
    static let grid = "#e5e7eb"
    static let axis = "#9ca3af"
    static let background = "#ffffff"
    static let noDataFill = "#f9fafb"
    static let titleSize = 15.0
    static let labelSize = 12.0
    static let valueSize = 11.0
}

/// An axis-aligned rectangle in SVG user units (y grows downwards).
struct Rect: Equatable, Sendable {
    var x: Double
    var y: Double
    var width: Double
    var height: Double

    var maxX: Double { x + width }
    var maxY: Double { y + height }
    var midX: Double { x + width / 2 }
    var midY: Double { y + height / 2 }
}

/// How a text line is anchored horizontally at its x coordinate.
enum TextAnchor: String {
    case start, middle, end
}

/// XML text escaping and coordinate printing, the two things every chart writes.
enum SVG {
    /// `s` safe for XML text and attribute values; control characters XML 1.0 forbids are dropped.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(u)
            default:
                if u.value < 0x20 || u.value == 0xFFFE || u.value == 0xFFFF { continue }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// A coordinate with at most two decimals and no trailing zeros: 12.345 -> `12.35`,
    /// 3.10 -> `3.1`, -0.001 -> `0`. Printed from integers, so output is byte-stable.
    static func n(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        let hundredths = (x * 100).rounded()
        guard hundredths != 0 else { return "0" }
        let magnitude = Int64(min(hundredths.magnitude, 9e17))
        let whole = magnitude / 100
        let fraction = magnitude % 100
        var s = hundredths < 0 ? "-" : ""
        s += String(whole)
        if fraction != 0 {
            if fraction % 10 == 0 { s += "." + String(fraction / 10) }
            else if fraction < 10 { s += ".0" + String(fraction) }
            else { s += "." + String(fraction) }
        }
        return s
    }
}

/// Builds one SVG document as text: the root element, then marks in painting order.
///
/// Every element method takes an optional `tooltip`, written as a `<title>` child so browsers
/// show it on hover without JavaScript.
struct SVGCanvas {
    let width: Double
    let height: Double
    private var out: String

    /// Opens `<svg>` with the accessible label, the document `<title>` and a white background.
    init(kind: String, width: Double, height: Double, label: String) {
        self.width = width
        self.height = height
        let w = SVG.n(width), h = SVG.n(height)
        out = "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 \(w) \(h)\" "
            + "width=\"\(w)\" height=\"\(h)\" role=\"img\" aria-label=\"\(SVG.escape(label))\" "
            + "class=\"kehu-chart kehu-chart-\(kind)\" font-family=\"\(Theme.fontFamily)\" font-size=\"12\">\n"
        out += "<title>\(SVG.escape(label))</title>\n"
        element("rect", [("class", "background"), ("x", "0"), ("y", "0"), ("width", w), ("height", h),
                         ("fill", Theme.background)])
    }

    /// Writes `<name attr="value" ...>` with an optional `<title>` tooltip and text content.
    /// Attribute values are escaped here.
    mutating func element(_ name: String, _ attributes: [(String, String)], tooltip: String? = nil, text: String? = nil) {
        out += "<" + name
        for (key, value) in attributes { out += " \(key)=\"\(SVG.escape(value))\"" }
        if tooltip == nil, text == nil {
            out += "/>\n"
            return
        }
        out += ">"
        if let tooltip { out += "<title>\(SVG.escape(tooltip))</title>" }
        if let text { out += SVG.escape(text) }
        out += "</\(name)>\n"
    }

    mutating func rect(_ r: Rect, fill: String, rx: Double = 0, opacity: Double? = nil, stroke: String? = nil,
                       cls: String? = nil, tooltip: String? = nil) {
        var a: [(String, String)] = []
        if let cls { a.append(("class", cls)) }
        a += [("x", SVG.n(r.x)), ("y", SVG.n(r.y)), ("width", SVG.n(max(0, r.width))), ("height", SVG.n(max(0, r.height)))]
        if rx > 0 { a.append(("rx", SVG.n(rx))) }
        a.append(("fill", fill))
        if let opacity { a.append(("fill-opacity", SVG.n(opacity))) }
        if let stroke { a.append(("stroke", stroke)) }
        element("rect", a, tooltip: tooltip)
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1,
                       dash: String? = nil, cls: String? = nil) {
        var a: [(String, String)] = []
        if let cls { a.append(("class", cls)) }
        a += [("x1", SVG.n(x1)), ("y1", SVG.n(y1)), ("x2", SVG.n(x2)), ("y2", SVG.n(y2)),
              ("stroke", stroke), ("stroke-width", SVG.n(width))]
        if let dash { a.append(("stroke-dasharray", dash)) }
        element("line", a)
    }

    mutating func text(_ s: String, x: Double, y: Double, size: Double = Theme.labelSize, anchor: TextAnchor = .start,
                       fill: String = Theme.ink, bold: Bool = false, rotate: Double? = nil, cls: String? = nil,
                       tooltip: String? = nil) {
        var a: [(String, String)] = []
        if let cls { a.append(("class", cls)) }
        a += [("x", SVG.n(x)), ("y", SVG.n(y)), ("font-size", SVG.n(size)), ("fill", fill)]
        if anchor != .start { a.append(("text-anchor", anchor.rawValue)) }
        if bold { a.append(("font-weight", "600")) }
        if let rotate { a.append(("transform", "rotate(\(SVG.n(rotate)) \(SVG.n(x)) \(SVG.n(y)))")) }
        element("text", a, tooltip: tooltip, text: s)
    }

    mutating func path(_ d: String, fill: String, opacity: Double? = nil, stroke: String? = nil,
                       strokeWidth: Double? = nil, cls: String? = nil, tooltip: String? = nil) {
        var a: [(String, String)] = []
        if let cls { a.append(("class", cls)) }
        a.append(("d", d))
        a.append(("fill", fill))
        if let opacity { a.append(("fill-opacity", SVG.n(opacity))) }
        if let stroke {
            a.append(("stroke", stroke))
            if let strokeWidth { a.append(("stroke-width", SVG.n(strokeWidth))) }
            a.append(("stroke-linejoin", "round"))
            a.append(("stroke-linecap", "round"))
        }
        element("path", a, tooltip: tooltip)
    }

    mutating func circle(cx: Double, cy: Double, r: Double, fill: String, stroke: String? = nil,
                         strokeWidth: Double? = nil, cls: String? = nil, tooltip: String? = nil) {
        var a: [(String, String)] = []
        if let cls { a.append(("class", cls)) }
        a += [("cx", SVG.n(cx)), ("cy", SVG.n(cy)), ("r", SVG.n(r)), ("fill", fill)]
        if let stroke {
            a.append(("stroke", stroke))
            a.append(("stroke-width", SVG.n(strokeWidth ?? 1)))
        }
        element("circle", a, tooltip: tooltip)
    }

    /// The finished document.
    func finished() -> String { out + "</svg>\n" }
}
