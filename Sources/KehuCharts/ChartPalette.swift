/// The colours every Kehu chart uses, so a series or an AIPL stage has the same colour on every
/// page of the dashboard.
public enum ChartPalette {
    /// Ten distinguishable colours for series, in order; index 10 starts again at 0.
    static let series = [
        "#3b6fd8", "#f28e2b", "#2ca58d", "#e15759", "#8c6bb1",
        "#d4a517", "#4fb3c9", "#e377c2", "#9c755f", "#7f8c8d",
    ]

    /// The AIPL stage colours: A (认知, awareness) light blue, I (兴趣, interest) blue,
    /// P (购买, purchase) amber, L (忠诚, loyalty) purple, none (no stage) grey.
    static let stages: [(key: String, color: String)] = [
        ("A", "#8ab4f8"), ("I", "#3b6fd8"), ("P", "#f29d38"), ("L", "#7b4fc9"), ("none", "#b8bec8"),
    ]

    /// The colour of series `index` (any integer; negative indices wrap too).
    public static func color(_ index: Int) -> String {
        let count = series.count
        return series[((index % count) + count) % count]
    }

    /// The colour of an AIPL stage: `"A"`, `"I"`, `"P"`, `"L"` or `"none"` (case-insensitive).
    /// Anything else is grey, the colour of "none".
    public static func stage(_ stage: String) -> String {
        stageKey(stage).map { key in stages.first { $0.key == key }!.color } ?? stages[4].color
    }

    /// The canonical stage key for `text` (`"a"` -> `"A"`, `"NONE"` -> `"none"`), or nil.
    static func stageKey(_ text: String) -> String? {
        switch text.lowercased() {
        case "a": "A"
        case "i": "I"
        case "p": "P"
        case "l": "L"
        case "none": "none"
        default: nil
        }
    }

    /// `#rrggbb` between `from` (t = 0) and `to` (t = 1), interpolated per channel.
    static func mix(_ from: String, _ to: String, _ t: Double) -> String {
        let a = rgb(from), b = rgb(to)
        let u = min(1, max(0, t.isFinite ? t : 0))
        var out = "#"
        for i in 0..<3 {
            let v = Int((Double(a[i]) + (Double(b[i]) - Double(a[i])) * u).rounded())
            let hex = String(v, radix: 16)
            out += (hex.count < 2 ? "0" : "") + hex
        }
        return out
    }

    private static func rgb(_ hex: String) -> [Int] {
        let digits = Array(hex.dropFirst())
        guard digits.count == 6 else { return [0, 0, 0] }
        return (0..<3).map { Int(String(digits[$0 * 2...$0 * 2 + 1]), radix: 16) ?? 0 }
    }
}
