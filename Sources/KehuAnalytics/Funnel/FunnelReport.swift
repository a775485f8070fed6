import KehuModel
import KehuStore

/// What a funnel is computed with (DESIGN 4.5).
public struct FunnelParameters: Sendable, Hashable {
    public var steps: [FunnelStep]
    /// The conversion window W in ms: a chain's later steps are at most W after its step 1.
    public var window: Int64
    /// Chains start at step-1 events on these days; later steps may fall up to W after the last.
    public var period: DayRange
    public var strict: Bool
    /// Conditions every step must also meet.
    public var filter: [FieldCondition]
    public var breakdown: FunnelBreakdown?

    public init(
        steps: [FunnelStep], window: Int64 = 7 * 86_400_000, period: DayRange, strict: Bool = false,
        filter: [FieldCondition] = [], breakdown: FunnelBreakdown? = nil
    ) {
        self.steps = steps
        self.window = window
        self.period = period
        self.strict = strict
        self.filter = filter
        self.breakdown = breakdown
    }
}

/// The field a funnel is broken down by, taken from the step-1 event of each consumer's chain.
public enum FunnelBreakdown: String, Sendable, Hashable, Codable, CaseIterable {
    case channel, touchpoint

    var field: EventField { self == .channel ? .channel : .touchpoint }
}

/// A conversion funnel (转化漏斗): per step, the consumers whose chain reached it within the
/// window, conversion, drop-off and time to convert.
public struct FunnelReport: Report {
    public var workspace: String
    public var period: DayRange
    public var windowMs: Int64
    public var strict: Bool
    public var steps: [String]
    public var filter: [String]
    /// `channel` or `touchpoint` when broken down.
    public var breakdownField: String?
    /// The last day with data.
    public var dataLastDay: Day
    /// Chains that start on or after this day have not had their whole window before the data
    /// ends (they may still convert); nil when every chain in the period had it.
    public var incompleteFrom: Day?
    public var rows: [Step]
    /// Per value of the breakdown field, most consumers first; empty without a breakdown.
    public var breakdown: [Segment]

    public struct Step: Sendable, Codable, Hashable {
        /// 1-based.
        public var step: Int
        public var label: String
        public var chineseName: String
        /// Consumers whose chain reached this step.
        public var consumers: Int
        /// consumers / consumers at step 1 (nil when no one entered).
        public var conversionFromFirst: Double?
        /// consumers / consumers at the previous step (nil for step 1 or when it had no one).
        public var conversionFromPrevious: Double?
        /// Consumers at the previous step who did not reach this one (0 for step 1).
        public var dropOff: Int
        /// Time from step 1 to this step along each consumer's chain, median and 90th percentile
        /// (linear interpolation), in ms; nil for step 1 and when no one reached the step.
        public var medianMs: Int64?
        public var p90Ms: Int64?
    }

    public struct Segment: Sendable, Codable, Hashable {
        /// The field's value on the chain's step-1 event; `(none)` when absent.
        public var value: String
        /// Consumers reaching each step.
        public var consumers: [Int]
        /// Last step / first step.
        public var conversion: Double?
    }

    public var title: String { "Funnel (转化漏斗) · \(workspace)" }

    public var parameters: [ReportParameter] {
        var out = [
            ReportParameter("steps", steps.joined(separator: " → ")),
            ReportParameter("step 1 on", "\(period)"),
            ReportParameter("window", Figures.duration(ms: windowMs)),
            ReportParameter("mode", strict ? "strict" : "ordered (windowFunnel)"),
        ]
        if !filter.isEmpty { out.append(ReportParameter("filter", filter.joined(separator: ","))) }
        if let breakdownField { out.append(ReportParameter("by", breakdownField)) }
        return out
    }

    public func tables() -> [TextTable] {
        var table = TextTable(headers: [
            "step", "步骤", "consumers", "from step 1", "from previous", "drop-off", "median time", "p90 time",
        ])
        for row in rows {
            table.rows.append([
                "\(row.step). \(row.label)", row.chineseName, Figures.grouped(row.consumers),
                Self.percent(row.conversionFromFirst), row.step == 1 ? "" : Self.percent(row.conversionFromPrevious),
                row.step == 1 ? "" : Figures.grouped(row.dropOff),
                row.step == 1 ? "" : Figures.duration(ms: row.medianMs), row.step == 1 ? "" : Figures.duration(ms: row.p90Ms),
            ])
        }
        table.footnotes.append("a consumer counts once, at the deepest step one chain reached; times follow that chain")
        if let incompleteFrom {
            table.footnotes.append(
                "chains starting from \(incompleteFrom) on have not had their whole window (data ends \(dataLastDay)): they may still convert")
        }
        var tables = [table]
        if let breakdownField, !breakdown.isEmpty {
            var split = TextTable(
                title: "by \(breakdownField) of the step-1 event",
                headers: [breakdownField] + rows.map { "\($0.step). \($0.label)" } + ["conversion"])
            for segment in breakdown {
                split.rows.append([segment.value] + segment.consumers.map(Figures.grouped) + [Self.percent(segment.conversion)])
            }
            tables.append(split)
        }
        return tables
    }

    static func percent(_ share: Double?) -> String {
        guard let share else { return "-" }
        return Figures.percent(Int((share * 1_000_000).rounded()), 1_000_000)
    }

    /// Runs the funnel over every consumer.
    /// - Complexity: O(events of the period plus the window), on all cores, plus sorting the
    ///   times to convert.
    public static func compute(_ snapshot: Snapshot, _ parameters: FunnelParameters) throws(AnalysisError) -> FunnelReport {
        let steps = parameters.steps
        let n = steps.count
        guard n > 0 else { throw .missingParameter(parameter: "steps") }
        guard let dataDays = snapshot.dataDays else {
            throw .insufficientData("the workspace has no events yet; run `kehu ingest` first.")
        }
        let matcher = try FunnelMatcher(steps, shared: parameters.filter, snapshot: snapshot)
        let calendar = AnalysisCalendar(snapshot)
        let periodStart = calendar.start(of: parameters.period.first)
        let periodEnd = calendar.end(of: parameters.period.last)
        let window = parameters.window
        let strict = parameters.strict
        let breakdownField = parameters.breakdown?.field
        let segmentCount = breakdownField.map { max(1, snapshot.dictionaries[$0.rawValue].codeCount) } ?? 0

        struct Part: Sendable {
            var reached: [Int]
            var durations: [[Int64]]
            var segments: [Int]
        }
        let parts = ConsumerPartitions.map(snapshot, partitions: 16) { range -> Part in
            var part = Part(
                reached: [Int](repeating: 0, count: n), durations: [[Int64]](repeating: [], count: n),
                segments: [Int](repeating: 0, count: segmentCount * n))
            var chains = FunnelChains(stepCount: n, window: window)
            var groupRows: [Int] = []
            var groupSteps: [UInt32] = []
            for c in range {
                chains.reset()
                Self.walk(
                    snapshot, consumer: c, matcher: matcher, chains: &chains, from: periodStart, startBefore: periodEnd,
                    strict: strict, groupRows: &groupRows, groupSteps: &groupSteps)
                let level = chains.level
                guard level > 0 else { continue }
                let startTs = snapshot.ts[chains.best[0]]
                for k in 0..<level {
                    part.reached[k] += 1
                    if k > 0 { part.durations[k].append(snapshot.ts[chains.best[k]] - startTs) }
                }
                if let breakdownField {
                    let code = Int(snapshot.fields[breakdownField.rawValue][chains.best[0]])
                    for k in 0..<level { part.segments[code * n + k] += 1 }
                }
            }
            return part
        }

        var reached = [Int](repeating: 0, count: n)
        var segments = [Int](repeating: 0, count: segmentCount * n)
        for part in parts {
            for k in 0..<n { reached[k] += part.reached[k] }
            for s in 0..<segments.count { segments[s] += part.segments[s] }
        }
        var rows: [Step] = []
        for k in 0..<n {
            var times: [Int64] = []
            if k > 0 {
                times.reserveCapacity(reached[k])
                for part in parts { times += part.durations[k] }
                times.sort()
            }
            rows.append(Step(
                step: k + 1, label: steps[k].description, chineseName: steps[k].kind.chineseName, consumers: reached[k],
                conversionFromFirst: reached[0] > 0 ? Double(reached[k]) / Double(reached[0]) : nil,
                conversionFromPrevious: k > 0 && reached[k - 1] > 0 ? Double(reached[k]) / Double(reached[k - 1]) : nil,
                dropOff: k > 0 ? reached[k - 1] - reached[k] : 0,
                medianMs: quantile(times, 0.5), p90Ms: quantile(times, 0.9)))
        }
        var breakdown: [Segment] = []
        if let breakdownField {
            let table = snapshot.dictionaries[breakdownField.rawValue]
            for code in 0..<segmentCount where segments[code * n] > 0 {
                let counts = Array(segments[(code * n)..<(code * n + n)])
                breakdown.append(Segment(
                    value: table.string(UInt32(code)) ?? "(none)", consumers: counts,
                    conversion: Double(counts[n - 1]) / Double(counts[0])))
            }
            breakdown.sort { ($0.consumers[0], $1.value) > ($1.consumers[0], $0.value) }
        }
        let lastCompleteStart = calendar.end(of: dataDays.last) - window
        return FunnelReport(
            workspace: snapshot.workspace, period: parameters.period, windowMs: window, strict: strict,
            steps: steps.map(\.description), filter: parameters.filter.map(\.description),
            breakdownField: parameters.breakdown?.rawValue, dataLastDay: dataDays.last,
            incompleteFrom: lastCompleteStart < periodEnd ? max(parameters.period.first, calendar.day(of: lastCompleteStart)) : nil,
            rows: rows, breakdown: breakdown)
    }

    /// Feeds one consumer's funnel events from `from` to the end of the last window into `chains`.
    /// Events at the same instant are fed in step order (default) or by their lowest step (strict).
    private static func walk(
        _ snapshot: Snapshot, consumer c: Int, matcher: FunnelMatcher, chains: inout FunnelChains, from: Int64,
        startBefore periodEnd: Int64, strict: Bool, groupRows: inout [Int], groupSteps: inout [UInt32]
    ) {
        let scanEnd = periodEnd + chains.window
        let last = Int(snapshot.eventStart[c + 1])
        var i = snapshot.firstEvent(of: c, atOrAfter: from)
        while i < last {
            let ts = snapshot.ts[i]
            guard ts < scanEnd else { break }
            let canStart = ts < periodEnd
            if i + 1 < last && snapshot.ts[i + 1] == ts {
                groupRows.removeAll(keepingCapacity: true)
                groupSteps.removeAll(keepingCapacity: true)
                while i < last && snapshot.ts[i] == ts {
                    let steps = matcher.steps(snapshot, i)
                    if steps != 0 {
                        groupRows.append(i)
                        groupSteps.append(steps)
                    }
                    i += 1
                }
                if strict {
                    // Insertion sort by lowest step, stable: groups are a few events at most.
                    for a in groupSteps.indices.dropFirst() {
                        var b = a
                        while b > 0 && groupSteps[b - 1].trailingZeroBitCount > groupSteps[b].trailingZeroBitCount {
                            groupSteps.swapAt(b - 1, b)
                            groupRows.swapAt(b - 1, b)
                            b -= 1
                        }
                    }
                    for g in groupRows.indices { chains.strictEvent(groupSteps[g], ts: ts, row: groupRows[g], canStart: canStart) }
                } else {
                    var any: UInt32 = 0
                    for steps in groupSteps { any |= steps }
                    while any != 0 {
                        let step = any.trailingZeroBitCount
                        any &= any - 1
                        for g in groupRows.indices where groupSteps[g] & (1 << UInt32(step)) != 0 {
                            chains.match(step: step, ts: ts, row: groupRows[g], canStart: canStart)
                        }
                    }
                }
            } else {
                var steps = matcher.steps(snapshot, i)
                if steps != 0 {
                    if strict {
                        chains.strictEvent(steps, ts: ts, row: i, canStart: canStart)
                    } else {
                        while steps != 0 {
                            let step = steps.trailingZeroBitCount
                            steps &= steps - 1
                            chains.match(step: step, ts: ts, row: i, canStart: canStart)
                        }
                    }
                }
                i += 1
            }
            if chains.isComplete { break }
        }
    }

    /// The `p` quantile of sorted values by linear interpolation between closest ranks (numpy's
    /// default, DuckDB's `quantile_cont`), rounded to the millisecond; nil when empty.
    static func quantile(_ sorted: [Int64], _ p: Double) -> Int64? {
        guard !sorted.isEmpty else { return nil }
        let h = Double(sorted.count - 1) * p
        let low = Int(h.rounded(.down))
        let high = min(low + 1, sorted.count - 1)
        let value = Double(sorted[low]) + (h - Double(low)) * Double(sorted[high] - sorted[low])
        return Int64(value.rounded())
    }
}

extension Analysis {
    public static let funnel = Analysis(
        name: "funnel", title: "Funnel",
        summary: "Ordered conversion funnel (ClickHouse windowFunnel semantics): consumers per step within a window, conversion, drop-off, time to convert.",
        parameters: [
            AnalysisParameter("steps", .list, help: "Event kinds in order, each with optional [field=value] conditions, e.g. view[channel=tmall],cart,order,pay."),
            AnalysisParameter("window", .duration, help: "Conversion window from the step-1 event, e.g. 7d, 24h, 90m.", default: "7d"),
            AnalysisParameter("from", .day, help: "First day a chain may start (default: 30 days ending --to)."),
            AnalysisParameter("to", .day, help: "Last day a chain may start (default: the last day with data)."),
            AnalysisParameter("strict", .boolean, help: "Strict order: any other funnel event in between ends a chain.", default: "false"),
            AnalysisParameter("filter", .list, help: "Conditions every step must meet, e.g. channel=tmall,touchpoint=live|search."),
            AnalysisParameter("by", .choice, help: "Break down by this field of the step-1 event.", choices: FunnelBreakdown.allCases.map(\.rawValue)),
        ]
    ) { snapshot, arguments throws(AnalysisError) in
        guard let stepsText = arguments.string("steps") else { throw .missingParameter(parameter: "steps") }
        var breakdown: FunnelBreakdown?
        if arguments.string("by") != nil { breakdown = try arguments.choice("by", default: FunnelBreakdown.channel) }
        let parameters = FunnelParameters(
            steps: try FunnelStep.parseList(stepsText), window: try arguments.duration("window", default: 7 * 86_400_000),
            period: try arguments.period(defaultDays: 30, in: snapshot), strict: try arguments.boolean("strict"),
            filter: try FieldCondition.parseList(arguments.string("filter") ?? "", parameter: "filter"), breakdown: breakdown)
        return try FunnelReport.compute(snapshot, parameters)
    }
}
