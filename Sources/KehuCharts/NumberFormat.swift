/// The languages the dashboard and its charts speak: Chinese (zh-CN) by default, English.
public enum ChartLanguage: String, Sendable, CaseIterable {
    case zh, en

    /// `zh` or `en` text, whichever the language is.
    public func text(_ zh: String, _ en: String) -> String { self == .zh ? zh : en }
}

/// Numbers as brand teams read them: counts with thousands separators (万 and 亿 for large
/// counts in Chinese), money as ¥ with thousands separators and two decimals from integer fen,
/// shares as percentages with one decimal.
public enum NumberFormat {
    /// `12,345` in both languages below 10,000 in Chinese; `1.2万`, `3,456.8万`, `1.23亿` above.
    /// English always uses separators: `12,345,678`.
    public static func count(_ n: Int64, language: ChartLanguage = .zh) -> String {
        let magnitude = n.magnitude
        let sign = n < 0 ? "-" : ""
        guard language == .zh, magnitude >= 10_000 else { return sign + grouped(magnitude) }
        if magnitude >= 100_000_000 {
            return sign + decimal(magnitude, unit: 100_000_000, decimals: 2) + "亿"
        }
        return sign + wan(magnitude)
    }

    public static func count(_ n: Int, language: ChartLanguage = .zh) -> String { count(Int64(n), language: language) }

    /// `¥1,234.56` from 123456 fen: exact, no floating point.
    public static func money(fen: Int64) -> String {
        let magnitude = fen.magnitude
        let sign = fen < 0 ? "-" : ""
        let cents = magnitude % 100
        return "\(sign)¥\(grouped(magnitude / 100)).\(cents < 10 ? "0" : "")\(cents)"
    }

    /// Money for axes and headlines: `¥1,234` below ¥10,000, then `¥12.3万` / `¥1.23亿` in
    /// Chinese, `¥12.3K` / `¥4.56M` / `¥1.23B` in English.
    public static func compactMoney(fen: Int64, language: ChartLanguage = .zh) -> String {
        let yuan = fen.magnitude / 100
        let sign = fen < 0 ? "-" : ""
        switch language {
        case .zh:
            if yuan >= 100_000_000 { return sign + "¥" + decimal(yuan, unit: 100_000_000, decimals: 2) + "亿" }
            if yuan >= 10_000 { return sign + "¥" + wan(yuan) }
        case .en:
            if yuan >= 1_000_000_000 { return sign + "¥" + decimal(yuan, unit: 1_000_000_000, decimals: 2) + "B" }
            if yuan >= 1_000_000 { return sign + "¥" + decimal(yuan, unit: 1_000_000, decimals: 2) + "M" }
            if yuan >= 10_000 { return sign + "¥" + decimal(yuan, unit: 1_000, decimals: 1) + "K" }
        }
        return sign + "¥" + grouped(yuan)
    }

    /// A share as a percentage with one decimal: 0.1234 -> `12.3%`. Non-finite shares print `–`.
    public static func percent(_ fraction: Double) -> String {
        guard fraction.isFinite else { return "–" }
        let tenths = (fraction * 1000).rounded()
        let sign = tenths < 0 ? "-" : ""
        let t = Int64(tenths.magnitude)
        return "\(sign)\(t / 10).\(t % 10)%"
    }

    /// `part / whole` as a percentage; `–` when the whole is zero.
    public static func percent(_ part: Int64, of whole: Int64) -> String {
        whole == 0 ? "–" : percent(Double(part) / Double(whole))
    }

    /// 1234567 -> `1,234,567`.
    public static func grouped(_ n: UInt64) -> String {
        let digits = Array(String(n))
        var out = ""
        out.reserveCapacity(digits.count + digits.count / 3)
        for (i, d) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }

    /// `n` in 万 with one decimal, or `1亿` when that rounds up to 10,000万.
    static func wan(_ n: UInt64) -> String {
        let text = decimal(n, unit: 10_000, decimals: 1)
        return text == "10,000" ? "1亿" : text + "万"
    }

    /// `n / unit` rounded half up to `decimals` places, with separators on the integer part and
    /// trailing zeros dropped: (123_450, 10_000, 1) -> `12.3`, (120_000, 10_000, 1) -> `12`.
    static func decimal(_ n: UInt64, unit: UInt64, decimals: Int) -> String {
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        // Widen before multiplying: n * scale can exceed UInt64 only for absurd inputs, so
        // divide first and round with the remainder.
        let whole = n / unit
        let remainder = n % unit
        var fraction = (remainder * scale + unit / 2) / unit
        var integer = whole
        if fraction >= scale { integer += 1; fraction -= scale }
        guard fraction > 0 else { return grouped(integer) }
        var text = String(fraction)
        while text.count < decimals { text = "0" + text }
        while text.hasSuffix("0") { text.removeLast() }
        return grouped(integer) + "." + text
    }
}
