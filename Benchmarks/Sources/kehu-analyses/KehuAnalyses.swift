import ArgumentParser
import Foundation
import KehuAnalytics
import KehuModel
import KehuStore
import KehuStopwatch

/// Kehu's side of the analyses benchmark (`Benchmarks/run-analyses.sh`): `run` builds a
/// workspace's snapshot once and times every analysis in `AnalysisCatalogue.all` on it, some in
/// several variants (``Entry``), with fixed arguments; `export` writes the snapshot's rows as CSV so DuckDB analyses identical rows with
/// Kehu's consumer identities (DuckDB has no OneID).
@main
struct KehuAnalyses: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kehu-analyses",
        abstract: "Time every catalogued analysis on a warm snapshot, or export the snapshot's rows for DuckDB.",
        subcommands: [RunCommand.self, ExportCommand.self])
}

struct WorkspaceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The data directory.", valueName: "dir"))
    var data: String

    @Option(help: "The workspace.")
    var workspace: String = "default"

    func snapshot() throws -> (Snapshot, Double) {
        let workspace = try Workspace(dataDirectory: data, name: workspace, create: false)
        return try Stopwatch.time { () throws(StoreError) in try workspace.buildSnapshot() }
    }
}

func printJSONObject(_ object: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
}

/// Seconds as measured: every run, the best and the median.
func timing(_ seconds: [Double]) -> [String: Any] {
    let sorted = seconds.sorted()
    let median = sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    return ["runs": seconds, "best": sorted.first ?? 0, "median": median]
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Build the snapshot once, then run each analysis once to warm it and time --runs more; print JSON.",
        discussion: """
            Entries: every catalogued analysis, some more than once with fixed arguments under their own \
            names (aipl-by-category, aipl-trend-day, aipl-trend-week, fast-trend-day, fast-trend-week, \
            funnel-strict, funnel-conditions, funnel-by-channel). Arguments: every entry whose analysis \
            declares `as-of` gets the last day with data (or --as-of); one that declares `from` and `to` \
            gets the --days days ending that day; then the entry's own arguments. \
            `--set NAME.PARAM=VALUE` adds or overrides one argument of the entries named NAME or of the \
            analysis NAME (NAME `*` for all that declare PARAM); aipl-benchmark needs \
            `--set aipl-benchmark.file=PATH`. The JSON holds the timings, the arguments used and each \
            report as `kehu ANALYSIS --format json` prints it, which the DuckDB peer compares its \
            numbers with.
            """)

    @OptionGroup var workspace: WorkspaceOptions

    @Option(help: "Timed runs per analysis after the warm-up run; best and median are reported.")
    var runs: Int = 3

    @Option(help: ArgumentHelp("The as-of day (default: the last day with data).", valueName: "YYYY-MM-DD"))
    var asOf: String?

    @Option(help: "Length of the from..to period, ending on the as-of day.")
    var days: Int = 30

    @Option(help: "Comma-separated entry names to run (default: all).")
    var only: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("NAME.PARAM=VALUE, repeatable.", valueName: "assignment"))
    var assignments: [String] = []

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1, got \(runs).") }
        guard days >= 1 else { throw ValidationError("--days must be at least 1, got \(days).") }
        for text in assignments where Self.parse(text) == nil {
            throw ValidationError("--set '\(text)': expected NAME.PARAM=VALUE, e.g. funnel.window=7d.")
        }
    }

    static func parse(_ text: String) -> (analysis: String, parameter: String, value: String)? {
        guard let equals = text.firstIndex(of: "="), let dot = text[..<equals].firstIndex(of: ".") else { return nil }
        let analysis = String(text[..<dot])
        let parameter = String(text[text.index(after: dot)..<equals])
        guard !analysis.isEmpty, !parameter.isEmpty else { return nil }
        return (analysis, parameter, String(text[text.index(after: equals)...]))
    }

    /// The consumer the `profile` entry shows: from the middle of the consumer list on, the first
    /// with two or more paid orders, a `member_join` and a `review` or `share` (so every part of
    /// the card has something to show); the middle consumer when none has all three.
    static func profileConsumer(_ snapshot: Snapshot, purchases: PurchaseIndex) -> Int {
        let middle = snapshot.consumerCount / 2
        for c in middle..<snapshot.consumerCount {
            guard purchases.orders(of: c).count >= 2 else { continue }
            var joined = false
            var advocated = false
            for i in snapshot.events(of: c) {
                switch snapshot.kind[i] {
                case .memberJoin: joined = true
                case .review, .share: advocated = true
                default: break
                }
            }
            if joined && advocated { return c }
        }
        return middle
    }

    func run() throws {
        let (snapshot, buildSeconds) = try workspace.snapshot()
        Terminal.note("snapshot: \(snapshot.eventCount) events, \(snapshot.consumerCount) consumers, \(String(format: "%.2f", buildSeconds)) s")
        guard let dataDays = snapshot.dataDays else { throw ValidationError("the workspace has no events.") }
        let last = try asOf.map { try Day.parse($0) } ?? dataDays.last
        let first = last.advanced(by: -(days - 1))

        // Derived per-snapshot data that analyses share, timed on its own: the warm runs below
        // reuse it, the cold (first) run of the first analysis that needs it would include it.
        let (purchases, purchaseSeconds) = Stopwatch.time { PurchaseIndex.of(snapshot) }
        Terminal.note("purchase index: \(purchases.orderCount) orders, \(String(format: "%.3f", purchaseSeconds)) s")

        let wanted = only.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        if let wanted {
            let known = Set(Entry.all.map(\.name))
            for name in wanted.sorted() where !known.contains(name) {
                throw ValidationError("--only: no entry named '\(name)'; there are: \(Entry.all.map(\.name).joined(separator: ", ")).")
            }
        }
        let profiled = Self.profileConsumer(snapshot, purchases: purchases)
        var results: [[String: Any]] = []
        for entry in Entry.all where wanted?.contains(entry.name) ?? true {
            let analysis = try AnalysisCatalogue.named(entry.analysis)
            let declared = Set(analysis.parameters.map(\.name))
            var arguments = AnalysisArguments()
            if declared.contains("as-of") { arguments.set("as-of", "\(last)") }
            if declared.contains("from") && declared.contains("to") {
                arguments.set("from", "\(first)")
                arguments.set("to", "\(last)")
            }
            for (parameter, value) in entry.arguments { arguments.values[parameter] = value }
            if entry.name == "aipl-flow" { arguments.set("from", "\(last.advanced(by: -30))") }
            if entry.analysis == "profile" { arguments.set("consumer", "#\(snapshot.consumerIDs[profiled])") }
            for text in assignments {
                guard let (name, parameter, value) = Self.parse(text) else { continue }
                if name == entry.name || name == entry.analysis || (name == "*" && declared.contains(parameter)) {
                    arguments.set(parameter, value)
                }
            }
            var result: [String: Any] = ["name": entry.name, "analysis": entry.analysis, "arguments": arguments.values]
            if entry.analysis == "profile" { result["consumerIndex"] = profiled }
            do {
                let (report, coldSeconds) = try Stopwatch.time { () throws(AnalysisError) in try analysis.run(snapshot, arguments) }
                var seconds: [Double] = []
                for _ in 0..<runs {
                    let (again, elapsed) = try Stopwatch.time { () throws(AnalysisError) in try analysis.run(snapshot, arguments) }
                    withExtendedLifetime(again) {}
                    seconds.append(elapsed)
                }
                result["cold"] = coldSeconds
                result["warm"] = timing(seconds)
                result["report"] = try JSONSerialization.jsonObject(with: Data(report.rendered(as: .json).utf8))
                Terminal.note("\(entry.name): cold \(String(format: "%.4f", coldSeconds)) s, warm best \(String(format: "%.4f", seconds.min() ?? 0)) s")
            } catch {
                result["error"] = "\(error)"
                Terminal.note("\(entry.name): \(error)")
            }
            results.append(result)
        }
        try printJSONObject([
            "events": snapshot.eventCount, "consumers": snapshot.consumerCount, "buildSeconds": buildSeconds,
            "snapshotBytes": snapshot.byteCount, "zone": snapshot.zone.identifier,
            "dataDays": ["\(dataDays.first)", "\(dataDays.last)"], "asOf": "\(last)", "from": "\(first)", "to": "\(last)",
            "purchaseIndex": ["orders": purchases.orderCount, "seconds": purchaseSeconds],
            "cores": ProcessInfo.processInfo.activeProcessorCount,
            "analyses": results,
        ])
    }
}

/// One timed entry of `kehu-analyses run`: a catalogued analysis with fixed arguments, under its
/// own name so the DuckDB peer can check each variant (`funnel-strict`, `aipl-trend-week`, ...).
/// Every entry also gets the as-of day and the `from`..`to` period when its analysis declares
/// them; `arguments` add to or override those (nil removes one, so the analysis's own default
/// applies). docs/performance.md lists the entries and their arguments.
struct Entry {
    let name: String
    let analysis: String
    let arguments: [String: String?]

    init(_ name: String, _ analysis: String? = nil, _ arguments: [String: String?] = [:]) {
        self.name = name
        self.analysis = analysis ?? name
        self.arguments = arguments
    }

    /// The funnel every funnel entry uses, and its conditions variant: tmall and jd only, a view
    /// from search or recommendation, a cart not from a live stream.
    static let funnelSteps = "view,cart,order,pay"
    static let funnelConditionSteps = "view[touchpoint=search|recommend],cart[touchpoint!=live],order,pay"

    /// The listed entries, then every catalogued analysis none of them runs (timed with defaults,
    /// so an analysis added later still shows up, without SQL until it gets some).
    static var all: [Entry] {
        listed + AnalysisCatalogue.all.filter { analysis in !listed.contains { $0.analysis == analysis.name } }.map { Entry($0.name) }
    }

    static let listed: [Entry] = [
        Entry("aipl"),
        Entry("aipl-by-category", "aipl", ["by": "category"]),
        // The 30 days ending the as-of day; the 12 ISO weeks (from a Monday) ending it.
        Entry("aipl-trend-day", "aipl-trend", ["trend": "day"]),
        Entry("aipl-trend-week", "aipl-trend", ["trend": "week", "from": nil]),
        // Flows over their default 30 days (D2 - 30 .. D2): set in `run`, it depends on the data.
        Entry("aipl-flow"),
        // The industry file comes from run-analyses.sh: --set aipl-benchmark.file=PATH.
        Entry("aipl-benchmark"),
        Entry("fast"),
        Entry("fast-trend-day", "fast-trend", ["trend": "day"]),
        Entry("fast-trend-week", "fast-trend", ["trend": "week", "from": nil]),
        Entry("visitors"),
        Entry("nine"),
        Entry("funnel", nil, ["steps": funnelSteps]),
        Entry("funnel-strict", "funnel", ["steps": funnelSteps, "strict": "true"]),
        Entry("funnel-conditions", "funnel", ["steps": funnelConditionSteps, "filter": "channel=tmall|jd"]),
        Entry("funnel-by-channel", "funnel", ["steps": funnelSteps, "by": "channel"]),
        Entry("orders-unpaid"),
        // Cohorts and lifecycle over their default 12 months ending the as-of day.
        Entry("retention", nil, ["from": nil]),
        Entry("lifecycle", nil, ["from": nil]),
        Entry("rfm"),
        // One consumer's card: see ``RunCommand/profileConsumer(_:purchases:)``. Without the CLV
        // line, the work the SQL does; then the default card, whose first run fits BG/NBD and
        // Gamma-Gamma on the whole base (no SQL: the fit's peer is lifetimes, run-clv.sh).
        Entry("profile", nil, ["clv": "false"]),
        Entry("profile-clv", "profile"),
        Entry("channels"),
        Entry("price"),
        Entry("content"),
    ]
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the snapshot's rows as CSV for DuckDB: consumer ids from OneID, in snapshot order.",
        discussion: """
            Columns: row (the snapshot's row number: consumer-major, time order within a consumer), \
            consumer (dense consumer index), ts (UTC milliseconds), kind, channel, touchpoint, campaign, \
            content, sku, category (values; empty when absent), order_id (the order id's dictionary code, \
            empty when none), amount, list_price (fen; empty when absent or unknown), quantity. \
            Written by both cores into --parts files FILE.0 ... (DuckDB reads them with a glob).
            """)

    @OptionGroup var workspace: WorkspaceOptions

    @Option(help: ArgumentHelp("Output path prefix; files are PREFIX.0.csv, PREFIX.1.csv, ...", valueName: "prefix"))
    var out: String

    @Option(help: "Files to write in parallel.")
    var parts: Int = 2

    static let header = "row,consumer,ts,kind,channel,touchpoint,campaign,content,sku,category,order_id,amount,list_price,quantity\n"

    func run() throws {
        let (snapshot, buildSeconds) = try workspace.snapshot()
        Terminal.note("snapshot: \(snapshot.eventCount) events, \(String(format: "%.2f", buildSeconds)) s")
        let watch = Stopwatch()
        // Every dictionary value once as CSV bytes (quoted when it needs quotes).
        let fields: [EventField] = [.channel, .touchpoint, .campaign, .content, .sku, .category]
        let values: [[[UInt8]]] = fields.map { field in
            let table = snapshot.dictionaries[field.rawValue]
            return (0..<table.codeCount).map { code in
                guard code > 0, let text = table.string(UInt32(code)) else { return [] }
                return Self.csvField(text)
            }
        }
        let kinds: [[UInt8]] = (0..<256).map { raw in EventKind(rawValue: UInt8(raw)).map { Array($0.name.utf8) } ?? [] }
        let partCount = max(1, min(parts, snapshot.consumerCount))
        let paths = (0..<partCount).map { "\(out).\($0).csv" }
        let errors = ErrorList()
        DispatchQueue.concurrentPerform(iterations: partCount) { p in
            let consumers = (snapshot.consumerCount * p / partCount)..<(snapshot.consumerCount * (p + 1) / partCount)
            do {
                try Self.write(snapshot, consumers: consumers, to: paths[p], fields: fields, values: values, kinds: kinds)
            } catch {
                errors.append("\(paths[p]): \(error)")
            }
        }
        if let first = errors.first { throw ValidationError(first) }
        let bytes = paths.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
        try printJSONObject([
            "events": snapshot.eventCount, "consumers": snapshot.consumerCount, "buildSeconds": buildSeconds,
            "exportSeconds": watch.seconds, "files": paths, "bytes": bytes, "zone": snapshot.zone.identifier,
        ])
    }

    static func csvField(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        guard bytes.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }) else { return bytes }
        var quoted: [UInt8] = [UInt8(ascii: "\"")]
        for byte in bytes {
            quoted.append(byte)
            if byte == UInt8(ascii: "\"") { quoted.append(byte) }
        }
        quoted.append(UInt8(ascii: "\""))
        return quoted
    }

    static func write(
        _ snapshot: Snapshot, consumers: Range<Int>, to path: String, fields: [EventField], values: [[[UInt8]]], kinds: [[UInt8]]
    ) throws {
        guard let file = fopen(path, "w") else { throw ValidationError("cannot create \(path)") }
        defer { fclose(file) }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 22)
        buffer.append(contentsOf: header.utf8)
        func flush() throws {
            let written = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
            guard written == buffer.count else { throw ValidationError("writing \(path) failed") }
            buffer.removeAll(keepingCapacity: true)
        }
        func number<T: BinaryInteger>(_ value: T) {
            var v = Int64(value)
            if v < 0 {
                buffer.append(UInt8(ascii: "-"))
                v = -v
            }
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var count = 0
            withUnsafeMutableBytes(of: &digits) { d in
                repeat {
                    d[count] = UInt8(ascii: "0") + UInt8(v % 10)
                    v /= 10
                    count += 1
                } while v > 0
                for k in stride(from: count - 1, through: 0, by: -1) { buffer.append(d[k]) }
            }
        }
        let comma = UInt8(ascii: ",")
        for c in consumers {
            for i in snapshot.events(of: c) {
                number(i)
                buffer.append(comma)
                number(c)
                buffer.append(comma)
                number(snapshot.ts[i])
                buffer.append(comma)
                buffer.append(contentsOf: kinds[Int(snapshot.kind[i].rawValue)])
                for (f, field) in fields.enumerated() {
                    buffer.append(comma)
                    buffer.append(contentsOf: values[f][Int(snapshot.fields[field.rawValue][i])])
                }
                buffer.append(comma)
                if let row = snapshot.commerce.row(of: i) {
                    let order = snapshot.commerce.orderID[row]
                    if order != 0 { number(order) }
                    buffer.append(comma)
                    let amount = snapshot.commerce.amount[row]
                    if amount != Money.unknownFen { number(amount) }
                    buffer.append(comma)
                    let list = snapshot.commerce.listPrice[row]
                    if list != Money.unknownFen { number(list) }
                    buffer.append(comma)
                    let quantity = snapshot.commerce.quantity[row]
                    if quantity > 0 { number(quantity) }
                } else {
                    buffer.append(comma)
                    buffer.append(comma)
                    buffer.append(comma)
                }
                buffer.append(10)
                if buffer.count >= 1 << 22 { try flush() }
            }
        }
        try flush()
    }
}

/// Errors from the writer threads.
final class ErrorList: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []

    func append(_ message: String) { lock.withLock { messages.append(message) } }
    var first: String? { lock.withLock { messages.first } }
}

enum Terminal {
    static func note(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
