/// How a chart prints its values and axis ticks.
///
/// - `count`: people, orders, events: `12,345`, `1.2万` (Chinese) on labels.
/// - `moneyFen`: money in fen (values are fen as `Double`): `¥1,234.56`, `¥12.3万` on labels.
/// - `percent`: shares as fractions 0...1: `12.3%`.
public enum ValueStyle: Sendable {
    case count, moneyFen, percent

    /// The smallest axis step worth printing: one person, one yuan, a tenth of a percent.
    var minimumStep: Double {
        switch self {
        case .count: 1
        case .moneyFen: 100
        case .percent: 0.001
        }
    }

    /// The exact value for hover titles: `12,345`, `¥1,234.56`, `12.3%`; `–` when missing.
    func exact(_ v: Double, _ language: ChartLanguage) -> String {
        guard v.isFinite else { return "–" }
        switch self {
        case .count:
            if v == v.rounded() { return (v < 0 ? "-" : "") + NumberFormat.grouped(Self.int64(v).magnitude) }
            return Self.fixed(v, decimals: 2)
        case .moneyFen:
            return NumberFormat.money(fen: Self.int64(v))
        case .percent:
            return NumberFormat.percent(v)
        }
    }

    /// The value as printed on a mark: `1.2万` / `12,345`, `¥12.3万`, `12.3%`.
    func compact(_ v: Double, _ language: ChartLanguage) -> String {
        guard v.isFinite else { return "–" }
        switch self {
        case .count:
            if v == v.rounded() { return NumberFormat.count(Self.int64(v), language: language) }
            return Self.fixed(v, decimals: 1)
        case .moneyFen:
            return NumberFormat.compactMoney(fen: Self.int64(v), language: language)
        case .percent:
            return NumberFormat.percent(v)
        }
    }

    /// `v` rounded to Int64, saturating instead of trapping on huge values.
    static func int64(_ v: Double) -> Int64 {
        guard v.isFinite else { return 0 }
        let r = v.rounded()
        if r >= 9.2e18 { return Int64.max }
        if r <= -9.2e18 { return -Int64.max }
        return Int64(r)
    }

    /// `v` with exactly `decimals` decimals and thousands separators: (1234.5, 1) -> `1,234.5`.
    static func fixed(_ v: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = int64((v * scale))
        let magnitude = scaled.magnitude
        let unit = UInt64(scale)
        var s = (scaled < 0 ? "-" : "") + NumberFormat.grouped(magnitude / unit)
        if decimals > 0 {
            var fraction = String(magnitude % unit)
            while fraction.count < decimals { fraction = "0" + fraction }
            s += "." + fraction
        }
        return s
    }
}

/// An axis from `min` to `max` in steps of 1, 2 or 5 × 10^k, covering the data.
///
/// The step is the smallest nice number at least (upper − lower) / target, so an axis has between
/// `target` / 2.5 and `target` intervals: 0...87 with target 5 is 0, 20, ..., 100.
struct NiceScale: Equatable {
    let min: Double
    let max: Double
    let step: Double

    init(lower: Double, upper: Double, target: Int = 5, minimumStep: Double = 0) {
        var lo = lower.isFinite ? lower : 0
        var hi = upper.isFinite ? upper : 0
        if lo > hi { swap(&lo, &hi) }
        if lo == hi {
            lo = Swift.min(lo, 0)
            hi = Swift.max(hi, 0)
            if lo == hi { hi = lo + Swift.max(1, minimumStep) }
        }
        let rough = (hi - lo) / Double(Swift.max(1, target))
        // 10^k <= rough < 10^(k+1), with 10^k computed exactly for negative k by dividing.
        var k = 0
        var magnitude = 1.0
        while magnitude * 10 <= rough { k += 1; magnitude = Self.power10(k) }
        while magnitude > rough { k -= 1; magnitude = Self.power10(k) }
        let residual = rough / magnitude
        let factor: Double = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10
        // factor / 10^-k rather than factor × 10^k, so that 0.1 is the double nearest 0.1.
        let step = Swift.max(k >= 0 ? factor * magnitude : factor / Self.power10(-k), minimumStep)
        self.step = step
        self.min = Self.clean((lo / step + 1e-9).rounded(.down) * step, step)
        self.max = Self.clean((hi / step - 1e-9).rounded(.up) * step, step)
    }

    /// The tick values from `min` to `max`, both included.
    var ticks: [Double] {
        let count = Int(((max - min) / step).rounded())
        return (0...count).map { Self.clean(min + Double($0) * step, step) }
    }

    /// Where `v` falls between `min` (0) and `max` (1).
    func fraction(_ v: Double) -> Double { (v - min) / (max - min) }

    static func power10(_ k: Int) -> Double {
        var p = 1.0
        for _ in 0..<abs(k) { p *= 10 }
        return k >= 0 ? p : 1 / p
    }

    /// `v` snapped to the step grid without floating-point dust; never `-0`.
    private static func clean(_ v: Double, _ step: Double) -> Double {
        let units = (v / step).rounded()
        if units == 0 { return 0 }
        // Multiply when the step is whole, divide by the exact reciprocal power of ten otherwise.
        if step >= 1 { return units * step }
        let inverse = (1 / step).rounded()
        return units / inverse
    }
}

/// Axis tick labels for one axis: one unit for all ticks (万 or 亿 in Chinese, K/M/B in English,
/// ¥ for money, % for percent) and as many decimals as the step needs, so neighbouring ticks
/// never print the same text.
struct TickFormatter {
    let style: ValueStyle
    let language: ChartLanguage
    private let unit: Double
    private let suffix: String
    private let decimals: Int

    init(style: ValueStyle, language: ChartLanguage, scale: NiceScale) {
        self.style = style
        self.language = language
        let toDisplay: Double = style == .moneyFen ? 0.01 : style == .percent ? 100 : 1
        let largest = Swift.max(abs(scale.min), abs(scale.max)) * toDisplay
        var unit = 1.0, suffix = ""
        if style == .percent {
            suffix = "%"
        } else if language == .zh {
            if largest >= 100_000_000 { unit = 100_000_000; suffix = "亿" }
            else if largest >= 10_000 { unit = 10_000; suffix = "万" }
        } else {
            if largest >= 1_000_000_000 { unit = 1_000_000_000; suffix = "B" }
            else if largest >= 1_000_000 { unit = 1_000_000; suffix = "M" }
            else if largest >= 10_000 { unit = 1_000; suffix = "K" }
        }
        self.unit = unit / toDisplay
        self.suffix = suffix
        // Decimals: the fewest that print the step exactly in the chosen unit.
        let stepInUnit = scale.step / self.unit
        var decimals = 0
        while decimals < 6 {
            let shifted = stepInUnit * NiceScale.power10(decimals)
            if abs(shifted - shifted.rounded()) < 1e-6 { break }
            decimals += 1
        }
        self.decimals = decimals
    }

    func callAsFunction(_ v: Double) -> String {
        if v == 0 { return style == .moneyFen ? "¥0" : style == .percent ? "0%" : "0" }
        var text = ValueStyle.fixed(abs(v) / unit, decimals: decimals)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        let sign = v < 0 ? "-" : ""
        return sign + (style == .moneyFen ? "¥" : "") + text + suffix
    }
}
