import Foundation
import KehuActivation
import KehuAnalytics
import KehuModel
import KehuStore

/// Times tag computation and audience evaluation on a warm snapshot (docs/performance.md,
/// "Tags and audiences"). The snapshot is either a workspace's (`--data DIR --workspace NAME`) or
/// a synthetic brand built in memory (`--consumers N`, default 10M): a workspace of 10M consumers
/// takes hours to generate and ingest on the project's machine, and the kernels only read columns.
///
/// Prints one JSON object: the snapshot's size, the cost of the per-day features on first use
/// (purchase index, stages, RFM, preferred category), each rule tag cold (its features already
/// built) and warm, and the audiences, warm, best and median of `--runs`.
@main
struct KehuActivationBenchmark {
    static func main() throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        func option(_ name: String) -> String? {
            guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
            defer { arguments.removeSubrange(i...(i + 1)) }
            return arguments[i + 1]
        }
        let consumers = Int(option("--consumers") ?? "") ?? 10_000_000
        let runs = Int(option("--runs") ?? "") ?? 7
        let data = option("--data")
        let workspaceName = option("--workspace") ?? "default"
        // `--audience EXPRESSION` (repeatable): more audiences to time, named by their expression.
        var extra: [String] = []
        while let expression = option("--audience") { extra.append(expression) }

        let (snapshot, buildSeconds): (Snapshot, Double)
        if let data {
            let workspace = try Workspace(dataDirectory: data, name: workspaceName, create: false)
            (snapshot, buildSeconds) = time { try! workspace.buildSnapshot() }
        } else {
            (snapshot, buildSeconds) = time { SyntheticBrand.snapshot(consumers: consumers) }
        }
        let day = snapshot.dataDays!.last
        stderr("snapshot: \(snapshot.consumerCount) consumers, \(snapshot.eventCount) events, \(String(format: "%.1f", buildSeconds)) s")

        var features: [String: Double] = [:]
        features["purchaseIndex"] = time { PurchaseIndex.of(snapshot) }.1
        var warmup = ExpressionEvaluator(snapshot: snapshot, asOf: day)
        features["stages"] = time { try! warmup.evaluate("stage = P") }.1
        features["rfm"] = time { try! warmup.evaluate("rfm = champions") }.1
        features["preferredCategory"] = time { try! warmup.evaluate("preferred category = 美妆") }.1

        let tags: [(String, String)] = [
            ("buyers", "stage in (P, L)"),
            ("carters", "count(cart, 30d) >= 2"),
            ("big-spenders", "sum(pay, 365d) > 1000"),
            ("recent-visitors", "last(view) within 7d"),
            ("douyin", "channel = douyin"),
            ("new-buyers", "first(pay) within 30d"),
            ("beauty", "preferred category = 美妆"),
            ("champions", "rfm in (champions, loyal_customers)"),
            ("members", "member"),
            ("returning", "visitor(30d) = returning"),
        ]
        var tagResults: [[String: Any]] = []
        for (name, expression) in tags {
            var evaluator = ExpressionEvaluator(snapshot: snapshot, asOf: day)
            let (set, cold) = time { try! evaluator.evaluate(expression) }
            let warm = (0..<runs).map { _ in time { try! evaluator.evaluate(expression) }.1 }
            tagResults.append(["name": name, "expression": expression, "size": set.count, "coldSeconds": cold, "warm": timing(warm)])
            stderr("tag \(name): \(set.count) consumers, \(ms(cold)) cold, \(ms(timing(warm)["median"] as! Double)) warm")
        }

        let resolver = Tags(rules: Dictionary(uniqueKeysWithValues: tags))
        let audiences: [(String, String)] = [
            ("five conditions",
             "stage in (I, P) and count(cart, 30d) >= 2 and sum(pay, 365d) > 1000 and last(view) within 7d and not channel = pos"),
            ("five conditions, behaviour first",
             "count(cart, 30d) >= 1 and last(view) within 30d and sum(pay, 365d) > 100 and stage != none and not member"),
            ("tags", "tag:buyers and tag:recent-visitors and not tag:douyin"),
            ("issue example", "tag:big-spenders and stage in (I,P) and not tag:members"),
        ] + extra.map { ($0, $0) }
        var audienceResults: [[String: Any]] = []
        for (name, expression) in audiences {
            // A fresh evaluator per run: tags are evaluated again, as a new request would.
            let sizes = (0..<runs).map { _ in
                time { () -> Int in
                    var evaluator = ExpressionEvaluator(snapshot: snapshot, asOf: day, tags: resolver)
                    return try! evaluator.evaluate(expression).count
                }
            }
            let warm = sizes.map(\.1)
            audienceResults.append(["name": name, "expression": expression, "size": sizes[0].0, "warm": timing(warm)])
            stderr("audience \(name): \(sizes[0].0) consumers, \(ms(timing(warm)["median"] as! Double)) warm median")
        }
        let a = try { var e = ExpressionEvaluator(snapshot: snapshot, asOf: day); return try e.evaluate("stage in (P, L)") }()
        let b = try { var e = ExpressionEvaluator(snapshot: snapshot, asOf: day); return try e.evaluate("last(view) within 30d") }()
        let overlap = (0..<runs).map { _ in time { a.intersectionCount(b) }.1 }

        var load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        load = String(load.split(separator: " ").prefix(3).joined(separator: " "))
        let object: [String: Any] = [
            "consumers": snapshot.consumerCount, "events": snapshot.eventCount, "asOf": day.description,
            "source": data == nil ? "synthetic" : "workspace \(workspaceName)", "snapshotSeconds": buildSeconds,
            "featureSeconds": features, "tags": tagResults, "audiences": audienceResults, "overlapCount": timing(overlap),
            "loadAverage": load, "cores": ProcessInfo.processInfo.activeProcessorCount,
        ]
        let json = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        print(String(decoding: json, as: UTF8.self))
    }

    static func time<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let start = ContinuousClock.now
        let value = try body()
        let d = ContinuousClock.now - start
        return (value, Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }

    static func timing(_ seconds: [Double]) -> [String: Any] {
        let sorted = seconds.sorted()
        return ["runs": seconds, "best": sorted.first ?? 0, "median": sorted.isEmpty ? 0 : sorted[sorted.count / 2]]
    }

    static func ms(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }

    static func stderr(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
}

/// Rule tags from a dictionary.
struct Tags: TagResolver {
    var rules: [String: String]
    func resolveTag(named name: String, in snapshot: Snapshot) throws -> ResolvedTag? { rules[name].map { .rule(expression: $0) } }
    func tagNames() throws -> [String] { rules.keys.sorted() }
}

/// A deterministic synthetic brand: per consumer 1-16 events (mean about 6) over 400 days ending
/// 2026-06-30 in Asia/Shanghai, more of them recent; kinds weighted like a store's traffic (view
/// 38%, impression 14%, click 10%, cart 9%, favorite 5%, content_view 5%, coupon_claim 3%, order
/// 6%, pay 6% with ¥20-¥2,000, review 1%, member_join 2%, member_leave 1%); five channels and eight
/// categories. Payments carry no order id, so each is an order of its own.
enum SyntheticBrand {
    static let channels = ["tmall", "jd", "douyin", "wechat_mp", "pos"]
    static let categories = ["美妆", "个护", "服饰", "母婴", "食品", "家居", "数码", "运动"]
    static let kinds: [(EventKind, Int)] = [
        (.view, 38), (.impression, 14), (.click, 10), (.cart, 9), (.favorite, 5), (.contentView, 5), (.couponClaim, 3),
        (.order, 6), (.pay, 6), (.review, 1), (.memberJoin, 2), (.memberLeave, 1),
    ]

    static func snapshot(consumers n: Int) -> Snapshot {
        let zone = ZoneRules.shanghai
        let last = Day(year: 2026, month: 6, day: 30)
        let firstDayStart = zone.start(of: last.advanced(by: -399))
        let span = zone.end(of: last) - firstDayStart
        var kindTable: [EventKind] = []
        for (kind, weight) in kinds { kindTable += Array(repeating: kind, count: weight) }
        var rng = SplitMix(state: 20_261_124)
        var eventStart: [UInt32] = [0]
        eventStart.reserveCapacity(n + 1)
        var ts: [Int64] = [], kind: [EventKind] = [], amount: [Int64] = []
        var channel: [UInt32] = [], category: [UInt32] = []
        let expected = n * 6
        ts.reserveCapacity(expected); kind.reserveCapacity(expected); amount.reserveCapacity(expected)
        channel.reserveCapacity(expected); category.reserveCapacity(expected)
        var times: [Int64] = []
        for _ in 0..<n {
            let count = 1 + Int(rng.next() % 6) + Int(rng.next() % 6) + (rng.next() % 4 == 0 ? Int(rng.next() % 5) : 0)
            let home = UInt32(1 + rng.next() % UInt64(channels.count))
            times.removeAll(keepingCapacity: true)
            for _ in 0..<count {
                // The square of a uniform number leans towards the end of the span.
                let u = Double(rng.next() >> 11) / Double(1 << 53)
                times.append(firstDayStart + Int64((1 - u * u) * Double(span - 1)))
            }
            times.sort()
            for t in times {
                let k = kindTable[Int(rng.next() % UInt64(kindTable.count))]
                ts.append(t)
                kind.append(k)
                amount.append(k == .pay ? Int64(2_000 + rng.next() % 198_000) : Money.unknownFen)
                channel.append(rng.next() % 4 == 0 ? UInt32(1 + rng.next() % UInt64(channels.count)) : home)
                category.append(k == .view || k == .pay || k == .cart ? UInt32(1 + rng.next() % UInt64(categories.count)) : 0)
            }
            eventStart.append(UInt32(ts.count))
        }
        let total = ts.count
        var codes = [[UInt32]](repeating: [UInt32](repeating: 0, count: total), count: EventField.allCases.count)
        codes[EventField.channel.rawValue] = channel
        codes[EventField.category.rawValue] = category
        var dictionaries = [StringTable](repeating: StringTable(), count: EventField.allCases.count)
        dictionaries[EventField.channel.rawValue] = StringTable(channels)
        dictionaries[EventField.category.rawValue] = StringTable(categories)
        return Snapshot.fromColumns(
            workspace: "synthetic", zone: zone, consumerIDs: (1...UInt32(n)).map { $0 }, eventStart: eventStart, ts: ts, kind: kind,
            codes: codes, dictionaries: dictionaries, orderID: [UInt32](repeating: 0, count: total), amount: amount)
    }
}

/// SplitMix64.
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
