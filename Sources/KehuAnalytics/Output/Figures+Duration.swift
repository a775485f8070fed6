extension Figures {
    /// A length of time as operations teams read it, to the two largest units:
    /// 90_061_000 ms -> "1d 1h", 5_400_000 -> "1h 30m", 125_000 -> "2m 5s", 900 -> "0.9s"; "-" for nil.
    public static func duration(ms: Int64?) -> String {
        guard let ms else { return "-" }
        if ms < 0 { return "-" + duration(ms: -ms) }
        if ms < 1_000 { return ms == 0 ? "0s" : "0.\(max(1, ms / 100))s" }
        let seconds = ms / 1_000
        let units: [(Int64, String)] = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")]
        for (index, (size, name)) in units.enumerated() where seconds >= size {
            let whole = seconds / size
            guard index + 1 < units.count else { return "\(whole)\(name)" }
            let (nextSize, nextName) = units[index + 1]
            let rest = seconds % size / nextSize
            return rest == 0 ? "\(whole)\(name)" : "\(whole)\(name) \(rest)\(nextName)"
        }
        return "0s"
    }
}
