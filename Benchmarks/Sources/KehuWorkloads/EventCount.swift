import Foundation

/// Event counts as people write them: `10000000`, `10M`, `100m`, `500k`, `1_000_000`.
public enum EventCount {
    /// The count `text` denotes, or nil when it is not a positive count.
    public static func parse(_ text: String) -> Int? {
        var digits = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
        var scale = 1
        switch digits.last {
        case "k", "K": scale = 1_000
        case "m", "M": scale = 1_000_000
        case "g", "G", "b", "B": scale = 1_000_000_000
        default: break
        }
        if scale != 1 { digits.removeLast() }
        if let whole = Int(digits), whole > 0 { return whole * scale }
        if let fraction = Double(digits), fraction > 0, fraction.isFinite { return Int((fraction * Double(scale)).rounded()) }
        return nil
    }

    /// `10M`, `9.57M`, `850k`: short, for names of files and benchmarks.
    public static func short(_ count: Int) -> String {
        if count >= 1_000_000 && count % 1_000_000 == 0 { return "\(count / 1_000_000)M" }
        if count >= 1_000_000 { return String(format: "%.2fM", Double(count) / 1e6) }
        if count >= 1_000 && count % 1_000 == 0 { return "\(count / 1_000)k" }
        return "\(count)"
    }
}

/// Settings the ordo-one benchmarks read from the environment, since `swift package benchmark`
/// passes no arguments through to them.
public enum BenchmarkSettings {
    /// Events for the generator, ingest and snapshot benchmarks: `KEHU_BENCH_EVENTS`
    /// (default 10M; accepts `10M`, `2m`, `500k`).
    public static var events: Int {
        ProcessInfo.processInfo.environment["KEHU_BENCH_EVENTS"].flatMap(EventCount.parse) ?? 10_000_000
    }

    /// Whether to run the 100M-event snapshot benchmark: `KEHU_BENCH_100M=1`. It needs about
    /// 10 GB of disk while its store is compacted (6.4 GB after), about 11 GB of RAM at the
    /// snapshot build's peak, and about 8 minutes.
    public static var includeHundredMillion: Bool {
        let value = ProcessInfo.processInfo.environment["KEHU_BENCH_100M"] ?? ""
        return !value.isEmpty && value != "0"
    }
}
