import Foundation
import Testing
import KehuModel
import KehuStore
import KehuTesting
@testable import KehuAnalytics

@Suite("Funnel and unpaid orders")
struct FunnelTests {
    static let june = DayRange(Day(year: 2026, month: 6, day: 1), Day(year: 2026, month: 6, day: 30))
    static let t0 = TestClock.at(2026, 6, 1, hour: 10)
    static let h = TestClock.hour
    static let d = TestClock.day

    static func funnel(
        _ records: [EventRecord], _ steps: String, window: Int64 = 7 * TestClock.day, period: DayRange = june,
        strict: Bool = false, filter: String = "", by: FunnelBreakdown? = nil
    ) throws -> FunnelReport {
        let (_, _, s) = try snapshot(of: records)
        return try FunnelReport.compute(s, FunnelParameters(
            steps: try FunnelStep.parseList(steps), window: window, period: period, strict: strict,
            filter: try FieldCondition.parseList(filter, parameter: "filter"), breakdown: by))
    }

    @Test("the window is inclusive: exactly W after step 1 converts, W + 1 ms does not")
    func windowEdge() throws {
        // c1: view t0, cart t0 + 7d exactly -> reaches cart.
        // c2: view t0, cart t0 + 7d + 1 ms -> view only.
        // view 2, cart 1; time to cart for c1 = 7d.
        let report = try Self.funnel([
            event("1", Self.t0, .view, ["member:1"]), event("2", Self.t0 + 7 * Self.d, .cart, ["member:1"]),
            event("3", Self.t0, .view, ["member:2"]), event("4", Self.t0 + 7 * Self.d + 1, .cart, ["member:2"]),
        ], "view,cart")
        #expect(report.rows.map(\.consumers) == [2, 1])
        #expect(report.rows[1].medianMs == 7 * Self.d)
        #expect(report.rows[1].dropOff == 1)
        #expect(report.rows[1].conversionFromFirst == 0.5)
    }

    @Test("a later step-1 event restarts a chain; the older chain keeps what it reached")
    func restarts() throws {
        // c1: view t0, view t0+5d, cart t0+11d: the first chain has expired (11d), the restart at
        //     5d converts 6d later -> cart, time 6d.
        // c2: view t0, cart t0+1d, view t0+3d, pay t0+6d (steps view,cart,pay): the restart at 3d
        //     has no cart, but the chain from t0 reached cart and pays 6d after its start -> pay,
        //     time to pay 6d (ClickHouse keeps one chain per step).
        // c3: view t0, cart t0+1d, view t0+3d, pay t0+9d: pay is 9d after the only chain with a
        //     cart -> cart only.
        let report = try Self.funnel([
            event("1", Self.t0, .view, ["member:1"]), event("2", Self.t0 + 5 * Self.d, .view, ["member:1"]),
            event("3", Self.t0 + 11 * Self.d, .cart, ["member:1"]),
            event("4", Self.t0, .view, ["member:2"]), event("5", Self.t0 + Self.d, .cart, ["member:2"]),
            event("6", Self.t0 + 3 * Self.d, .view, ["member:2"]), event("7", Self.t0 + 6 * Self.d, .pay, ["member:2"], order: "o1", amount: 100),
            event("8", Self.t0, .view, ["member:3"]), event("9", Self.t0 + Self.d, .cart, ["member:3"]),
            event("10", Self.t0 + 3 * Self.d, .view, ["member:3"]), event("11", Self.t0 + 9 * Self.d, .pay, ["member:3"], order: "o2", amount: 100),
        ], "view,cart,pay")
        // view 3; cart 3 (c1 via the restart, c2, c3); pay 1 (c2).
        #expect(report.rows.map(\.consumers) == [3, 3, 1])
        #expect(report.rows[2].medianMs == 6 * Self.d)
        // Times to cart: c1 6d, c2 1d, c3 1d -> median 1d; p90 = 1d + 0.8 x 5d = 5d.
        #expect(report.rows[1].medianMs == Self.d)
        #expect(report.rows[1].p90Ms == 5 * Self.d)
    }

    @Test("equal timestamps count in step order; one event may fill several steps; earlier later-steps do not count")
    func equalTimesAndOrder() throws {
        // c1: favorite and cart at the same instant; steps cart,favorite -> both (the snapshot
        //     orders favorite first, ClickHouse sorts equal times by step).
        // c2: one view; steps view,view -> level 2 from the one event (as windowFunnel does).
        // c3: cart at t0, view an hour later; steps view,cart -> view only (out of order).
        let records = [
            event("1", Self.t0, .favorite, ["member:1"]), event("2", Self.t0, .cart, ["member:1"]),
            event("3", Self.t0, .view, ["member:2"]),
            event("4", Self.t0, .cart, ["member:3"]), event("5", Self.t0 + Self.h, .view, ["member:3"]),
        ]
        #expect(try Self.funnel(records, "cart,favorite").rows.map(\.consumers) == [2, 1])
        let twice = try Self.funnel(records, "view,view")
        #expect(twice.rows.map(\.consumers) == [2, 2])
        #expect(twice.rows[1].medianMs == 0)
        #expect(try Self.funnel(records, "view,cart").rows.map(\.consumers) == [2, 0])
        #expect(try Self.funnel(records, "view,view", strict: true).rows.map(\.consumers) == [2, 2])
    }

    @Test("strict mode: another funnel event between two steps ends the chain; other kinds do not")
    func strictMode() throws {
        // Steps view,cart,pay, all within an hour:
        // c1: view, cart, view, pay       default 3 (the first chain pays) · strict 2 (the view ends it)
        // c2: view, cart, cart, pay       default 3 · strict 2 (a repeated cart ends it)
        // c3: view, view, cart, pay       default 3 · strict 3 (the second view restarts)
        // c4: view, favorite, cart, pay   default 3 · strict 3 (favorite is not a step)
        // c5: cart, view, cart, pay       default 3 · strict 3 (the early cart precedes any chain)
        let kinds: [[EventKind]] = [
            [.view, .cart, .view, .pay], [.view, .cart, .cart, .pay], [.view, .view, .cart, .pay],
            [.view, .favorite, .cart, .pay], [.cart, .view, .cart, .pay],
        ]
        var records: [EventRecord] = []
        for (c, sequence) in kinds.enumerated() {
            for (k, kind) in sequence.enumerated() {
                records.append(event(
                    "\(c)-\(k)", Self.t0 + Int64(k) * 60_000, kind, ["member:\(c)"],
                    order: kind == .pay ? "o\(c)" : nil, amount: kind == .pay ? 100 : nil))
            }
        }
        #expect(try Self.funnel(records, "view,cart,pay").rows.map(\.consumers) == [5, 5, 5])
        #expect(try Self.funnel(records, "view,cart,pay", strict: true).rows.map(\.consumers) == [5, 5, 3])
    }

    @Test("chains start only in the period; later steps may fall up to W after it")
    func periodEdges() throws {
        // c1: view 05-31 23:00, cart 06-01 -> no chain starts in June.
        // c2: view 06-30 22:00, cart 07-03 -> cart (within 7d, after the period).
        // c3: view 07-01 -> not a start.
        let report = try Self.funnel([
            event("1", TestClock.at(2026, 5, 31, hour: 23), .view, ["member:1"]), event("2", Self.t0, .cart, ["member:1"]),
            event("3", TestClock.at(2026, 6, 30, hour: 22), .view, ["member:2"]), event("4", TestClock.at(2026, 7, 3), .cart, ["member:2"]),
            event("5", TestClock.at(2026, 7, 1), .view, ["member:3"]),
        ], "view,cart")
        #expect(report.rows.map(\.consumers) == [1, 1])
        // Data ends with 07-03 (before 07-04 00:00), so chains from 06-27 00:00 on have not had 7 days.
        #expect(report.incompleteFrom == Day(year: 2026, month: 6, day: 27))
    }

    @Test("step conditions, a shared filter and the breakdown follow the chain that went deepest")
    func filterAndBreakdown() throws {
        // b1: view jd t0, view tmall t0+1h, cart t0+2h, pay t0+3h.
        // b2: view tmall t0, cart jd t0+1h.
        // b3: view douyin t0, cart douyin t0+1h, view tmall t0+2d, cart tmall t0+2d+1h, pay tmall t0+2d+2h:
        //     the douyin chain reached cart first, the tmall chain reached pay.
        // b4: view jd t0.
        let records = [
            event("1", Self.t0, .view, ["member:1"], channel: "jd"), event("2", Self.t0 + Self.h, .view, ["member:1"]),
            event("3", Self.t0 + 2 * Self.h, .cart, ["member:1"]), event("4", Self.t0 + 3 * Self.h, .pay, ["member:1"], order: "o1", amount: 100),
            event("5", Self.t0, .view, ["member:2"]), event("6", Self.t0 + Self.h, .cart, ["member:2"], channel: "jd"),
            event("7", Self.t0, .view, ["member:3"], channel: "douyin"), event("8", Self.t0 + Self.h, .cart, ["member:3"], channel: "douyin"),
            event("9", Self.t0 + 2 * Self.d, .view, ["member:3"]), event("10", Self.t0 + 2 * Self.d + Self.h, .cart, ["member:3"]),
            event("11", Self.t0 + 2 * Self.d + 2 * Self.h, .pay, ["member:3"], order: "o3", amount: 100),
            event("12", Self.t0, .view, ["member:4"], channel: "jd"),
        ]
        // By channel, no conditions: tmall b1 (view tmall restarts after jd; level 3) and b3 (3);
        // b2 tmall (2); b4 jd (1). tmall [3, 3, 2], jd [1, 0, 0].
        let split = try Self.funnel(records, "view,cart,pay", by: .channel)
        #expect(split.rows.map(\.consumers) == [4, 3, 2])
        #expect(split.breakdown.map(\.value) == ["tmall", "jd"])
        #expect(split.breakdown[0].consumers == [3, 3, 2])
        #expect(split.breakdown[1].consumers == [1, 0, 0])
        // Time to pay along the deepest chains: b1 2h (from the tmall view), b3 2h.
        #expect(split.rows[2].medianMs == 2 * Self.h)
        // Step 1 only on tmall: b1, b2, b3 enter; b4 does not. [3, 3, 2].
        #expect(try Self.funnel(records, "view[channel=tmall],cart,pay").rows.map(\.consumers) == [3, 3, 2])
        // Every step on tmall: b2's cart is jd -> [3, 2, 2].
        #expect(try Self.funnel(records, "view,cart,pay", filter: "channel=tmall").rows.map(\.consumers) == [3, 2, 2])
        // Negated and alternatives: step 1 not on tmall -> b1 (jd view), b3 (douyin), b4: b1's jd
        // view converts within 7d too (cart 2h later) -> [3, 2, 2].
        #expect(try Self.funnel(records, "view[channel!=tmall],cart,pay").rows.map(\.consumers) == [3, 2, 2])
        #expect(try Self.funnel(records, "view[channel=jd|douyin],cart").rows.map(\.consumers) == [3, 2])
    }

    @Test("times follow the slot that completed: a later cart re-copies the chain; a level-1 consumer counts under their first view")
    func chainTimesAndAttribution() throws {
        // Steps view,cart,order (found by the DuckDB peer's check, docs/performance.md):
        // c1: view jd t0, cart t0+5m, cart t0+30m, order t0+40m -> level 3; the second cart copies
        //     the view's chain into the cart slot again, so the order's chain has cart at 30m:
        //     time to cart 30m, to order 40m (the earliest cart after the view would say 5m).
        // c2: view tmall t0, view jd t0+1h, cart t0+2h -> level 2 from the jd view (slot 1 holds
        //     the restart): time to cart 1h, attributed to jd.
        // c3: view douyin t0, view tmall t0+1h -> level 1: the first chain to reach it is the
        //     douyin view, so douyin.
        let records = [
            event("1", Self.t0, .view, ["member:1"], channel: "jd"), event("2", Self.t0 + 5 * 60_000, .cart, ["member:1"]),
            event("3", Self.t0 + 30 * 60_000, .cart, ["member:1"]),
            event("4", Self.t0 + 40 * 60_000, .order, ["member:1"], order: "o1", amount: 100),
            event("5", Self.t0, .view, ["member:2"], channel: "tmall"), event("6", Self.t0 + Self.h, .view, ["member:2"], channel: "jd"),
            event("7", Self.t0 + 2 * Self.h, .cart, ["member:2"]),
            event("8", Self.t0, .view, ["member:3"], channel: "douyin"), event("9", Self.t0 + Self.h, .view, ["member:3"], channel: "tmall"),
        ]
        let report = try Self.funnel(records, "view,cart,order", by: .channel)
        #expect(report.rows.map(\.consumers) == [3, 2, 1])
        // Times to cart: c1 30m, c2 1h -> median 45m; to order: c1 40m.
        let medians = report.rows.map { $0.medianMs ?? -1 }
        #expect(medians[1] == Int64(45 * 60_000))
        #expect(medians[2] == Int64(40 * 60_000))
        // jd: c1 (3 steps) and c2 (2) -> [2, 2, 1]; douyin: c3 -> [1, 0, 0].
        #expect(report.breakdown.map(\.value) == ["jd", "douyin"])
        #expect(report.breakdown[0].consumers == [2, 2, 1])
        #expect(report.breakdown[1].consumers == [1, 0, 0])
    }

    @Test("strict mode: a view after the period starts no chain but still ends the one before it")
    func strictAfterPeriod() throws {
        // Period June; steps view,cart, strict. c1: view 06-30 22:00, view 07-01 09:00, cart
        // 07-01 10:00 -> the July view is a funnel event (it matches step 1's kind) that starts
        // nothing, so the June chain stops at view: level 1. Default mode: the June chain carts
        // within 7 days: level 2.
        let records = [
            event("1", TestClock.at(2026, 6, 30, hour: 22), .view, ["member:1"]),
            event("2", TestClock.at(2026, 7, 1, hour: 9), .view, ["member:1"]),
            event("3", TestClock.at(2026, 7, 1, hour: 10), .cart, ["member:1"]),
        ]
        #expect(try Self.funnel(records, "view,cart", strict: true).rows.map(\.consumers) == [1, 0])
        #expect(try Self.funnel(records, "view,cart").rows.map(\.consumers) == [1, 1])
    }

    @Test("median and p90 of the time to convert, by hand")
    func timeToConvert() throws {
        // Five consumers view at t0 and cart after 1h, 2h, 3h, 4h, 10h.
        // Sorted 1, 2, 3, 4, 10 (hours): median = 3h; p90 at rank 0.9 x 4 = 3.6 -> 4h + 0.6 x 6h = 7h36m.
        var records: [EventRecord] = []
        for (c, hours) in [3, 1, 10, 4, 2].enumerated() {
            records.append(event("v\(c)", Self.t0, .view, ["member:\(c)"]))
            records.append(event("c\(c)", Self.t0 + Int64(hours) * Self.h, .cart, ["member:\(c)"]))
        }
        let report = try Self.funnel(records, "view,cart")
        #expect(report.rows[1].medianMs == 3 * Self.h)
        #expect(report.rows[1].p90Ms == 7 * Self.h + 36 * 60_000)
        #expect(report.rows[0].medianMs == nil)
        let text = report.rendered(as: .table)
        #expect(text.contains("7h 36m"))
        #expect(text.contains("100.0%"))
    }

    @Test("bad steps and filters are errors that name the parameter")
    func errors() throws {
        #expect(throws: AnalysisError.self) { try FunnelStep.parseList("view,teleport") }
        #expect(throws: AnalysisError.self) { try FunnelStep.parseList("view[channel=tmall") }
        #expect(throws: AnalysisError.self) { try FunnelStep.parseList("view,,cart") }
        #expect(throws: AnalysisError.self) { try FieldCondition.parseList("colour=red", parameter: "filter") }
        let steps = try FunnelStep.parseList("浏览[channel=tmall|jd,touchpoint!=live],cart")
        #expect(steps.map(\.description) == ["view[channel=tmall|jd,touchpoint!=live]", "cart"])
        do {
            _ = try Self.funnel([event("1", Self.t0, .view, ["member:1"])], "view[channel=tmal],cart")
            Issue.record("a channel that never occurs should be an error")
        } catch {
            #expect("\(error)".contains("steps"))
            #expect("\(error)".contains("tmall"))
        }
    }

    // MARK: - Unpaid orders

    @Test("unpaid within 24h: paid at 23h and at exactly 24h are paid, at 25h is not; open windows wait")
    func unpaidOrders() throws {
        // Period 06-01..06-10; the data ends 06-10.
        // o1 tmall 100.00 paid +23h -> paid     o2 tmall 200.00 paid +25h -> unpaid
        // o3 jd 300.00 never paid -> unpaid      o4 tmall 50.00 paid +24h exactly -> paid
        // o5 tmall 80.00 on 06-10, unpaid, its 24h runs past the data -> awaiting
        // o6 tmall without amount, never paid -> unpaid (no amount)
        // o7 tmall placed 05-31 -> not in the period.
        // Orders 6; paid 2; awaiting 1; unpaid 3 = 60.0% of 5; amount 500.00.
        // tmall: 5 orders, 2 unpaid (200.00), 1 awaiting; jd: 1 order, 1 unpaid (300.00).
        let t = Self.t0
        let records = [
            event("1", t, .order, ["member:1"], order: "o1", amount: 10_000), event("2", t + 23 * Self.h, .pay, ["member:1"], order: "o1", amount: 10_000),
            event("3", t, .order, ["member:2"], order: "o2", amount: 20_000), event("4", t + 25 * Self.h, .pay, ["member:2"], order: "o2", amount: 20_000),
            event("5", t, .order, ["member:3"], channel: "jd", order: "o3", amount: 30_000),
            event("6", t, .order, ["member:4"], order: "o4", amount: 5_000), event("7", t + 24 * Self.h, .pay, ["member:4"], order: "o4", amount: 5_000),
            event("8", TestClock.at(2026, 6, 10, hour: 10), .order, ["member:5"], order: "o5", amount: 8_000),
            event("9", t, .order, ["member:6"], order: "o6"),
            event("10", TestClock.at(2026, 5, 31), .order, ["member:7"], order: "o7", amount: 70_000),
        ]
        let (_, _, s) = try snapshot(of: records)
        let report = try UnpaidOrdersReport.compute(s, period: DayRange(Day(year: 2026, month: 6, day: 1), Day(year: 2026, month: 6, day: 10)))
        #expect(report.orders == 6)
        #expect(report.paidWithin == 2)
        #expect(report.awaiting == 1)
        #expect(report.unpaid == 3)
        #expect(report.unpaidFen == 50_000)
        #expect(report.unpaidWithoutAmount == 1)
        #expect(report.unpaidShare == 0.6)
        #expect(report.channels.map(\.channel) == ["jd", "tmall"])
        #expect(report.channels[1].orders == 5)
        #expect(report.channels[1].unpaid == 2)
        #expect(report.channels[1].unpaidFen == 20_000)
        #expect(report.largest.map(\.orderID) == ["o3", "o2", "o6"])
        #expect(report.largest[0].amountFen == 30_000)
        #expect(report.largest[2].amountFen == nil)
        #expect(report.largest[0].orderedAt == "2026-06-01T10:00:00.000+08:00")
        // Within 2d, o2 is paid too: unpaid o3, o6.
        let twoDays = try UnpaidOrdersReport.compute(s, period: report.period, within: 2 * Self.d)
        #expect(twoDays.unpaid == 2)
        #expect(report.rendered(as: .table).contains("¥500.00"))
    }

    // MARK: - Generated data against a plain windowFunnel

    static let generated = try! generatedSnapshot(consumers: 1_500, days: 400)

    /// windowFunnel written out per consumer: (time, step, row) pairs sorted by time then step,
    /// one slot per step holding the latest chain (start, rows) to reach it.
    static func referenceLevels(
        _ s: Snapshot, kinds: [EventKind], channel: String?, window: Int64, from: Int64, to: Int64
    ) -> (levels: [Int: Int], starts: [Int: String], times: [Int: [Int64]]) {
        var levels: [Int: Int] = [:]
        var starts: [Int: String] = [:]
        var times: [Int: [Int64]] = [:]
        for c in 0..<s.consumerCount {
            var pairs: [(ts: Int64, step: Int, row: Int)] = []
            for i in s.events(of: c) where s.ts[i] >= from && s.ts[i] < to + window {
                if let channel, s.value(.channel, i) != channel { continue }
                for (k, kind) in kinds.enumerated() where s.kind[i] == kind { pairs.append((s.ts[i], k, i)) }
            }
            pairs.sort { ($0.ts, $0.step, $0.row) < ($1.ts, $1.step, $1.row) }
            var slots: [[Int]?] = Array(repeating: nil, count: kinds.count)
            var level = 0
            var best: [Int] = []
            for pair in pairs {
                if pair.step == 0 {
                    if pair.ts < to { slots[0] = [pair.row] }
                } else if let chain = slots[pair.step - 1], pair.ts - s.ts[chain[0]] <= window {
                    slots[pair.step] = chain + [pair.row]
                }
                if let chain = slots[pair.step], pair.step + 1 > level, chain.last == pair.row {
                    level = pair.step + 1
                    best = chain
                }
            }
            if level > 0 {
                levels[c] = level
                starts[c] = s.value(.channel, best[0]) ?? "(none)"
                times[c] = best.map { s.ts[$0] - s.ts[best[0]] }
            }
        }
        return (levels, starts, times)
    }

    /// Strict mode from its definition: from every step-1 event, follow the funnel events after
    /// it; each must continue the chain (match the next step within the window) or it ends.
    static func referenceStrictLevels(_ s: Snapshot, kinds: [EventKind], window: Int64, from: Int64, to: Int64) -> [Int: Int] {
        var levels: [Int: Int] = [:]
        for c in 0..<s.consumerCount {
            // Funnel events with their steps; equal times ordered by lowest step.
            var events: [(ts: Int64, steps: [Int], position: Int)] = []
            for i in s.events(of: c) where s.ts[i] >= from && s.ts[i] < to + window {
                let steps = kinds.indices.filter { kinds[$0] == s.kind[i] }
                if !steps.isEmpty { events.append((s.ts[i], steps, events.count)) }
            }
            events.sort { ($0.ts, $0.steps[0], $0.position) < ($1.ts, $1.steps[0], $1.position) }
            var best = 0
            for (e, start) in events.enumerated() where start.steps.contains(0) && start.ts < to {
                var level = 1
                while level < kinds.count && start.steps.contains(level) { level += 1 }
                for next in events[(e + 1)...] {
                    guard level < kinds.count, next.steps.contains(level), next.ts - start.ts <= window else { break }
                    while level < kinds.count && next.steps.contains(level) && next.ts - start.ts <= window { level += 1 }
                }
                best = max(best, level)
            }
            if best > 0 { levels[c] = best }
        }
        return levels
    }

    static func quantile(_ values: [Int64], _ p: Double) -> Int64? {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return nil }
        let rank = p * Double(sorted.count - 1)
        let below = sorted[Int(rank)]
        let above = sorted[min(Int(rank) + 1, sorted.count - 1)]
        return Int64((Double(below) + (rank - rank.rounded(.down)) * Double(above - below)).rounded())
    }

    @Test("on a generated brand, the funnel agrees with a plain windowFunnel per consumer")
    func generatedAgreesWithReference() throws {
        let (_, _, s) = Self.generated
        let days = try #require(s.dataDays)
        let period = DayRange(days.last.advanced(by: -59), days.last.advanced(by: -10))
        let calendar = AnalysisCalendar(s)
        let from = calendar.start(of: period.first), to = calendar.end(of: period.last)
        let kinds: [EventKind] = [.view, .cart, .order, .pay]
        for (window, channel) in [(7 * Self.d, nil), (Self.d, "tmall"), (30 * Self.d, nil)] as [(Int64, String?)] {
            let report = try FunnelReport.compute(s, FunnelParameters(
                steps: kinds.map { FunnelStep($0) }, window: window, period: period,
                filter: channel.map { [FieldCondition(field: .channel, values: [$0])] } ?? [], breakdown: .channel))
            let reference = Self.referenceLevels(s, kinds: kinds, channel: channel, window: window, from: from, to: to)
            let expected = (1...4).map { k in reference.levels.values.filter { $0 >= k }.count }
            #expect(report.rows.map(\.consumers) == expected, "window \(window) channel \(channel ?? "any")")
            #expect(expected[3] > 0, "the generated brand should have full conversions")
            for k in 1..<4 {
                let times = reference.levels.filter { $0.value > k }.keys.map { reference.times[$0]![k] }
                #expect(report.rows[k].medianMs == Self.quantile(times, 0.5))
                #expect(report.rows[k].p90Ms == Self.quantile(times, 0.9))
            }
            var byChannel: [String: [Int]] = [:]
            for (c, level) in reference.levels {
                for k in 0..<level { byChannel[reference.starts[c]!, default: [0, 0, 0, 0]][k] += 1 }
            }
            #expect(Dictionary(uniqueKeysWithValues: report.breakdown.map { ($0.value, $0.consumers) }) == byChannel)
        }
        // Strict mode against the walk from every start.
        for window in [7 * Self.d, 2 * Self.h] {
            let report = try FunnelReport.compute(s, FunnelParameters(
                steps: kinds.map { FunnelStep($0) }, window: window, period: period, strict: true))
            let levels = Self.referenceStrictLevels(s, kinds: kinds, window: window, from: from, to: to)
            #expect(report.rows.map(\.consumers) == (1...4).map { k in levels.values.filter { $0 >= k }.count })
        }
    }

    @Test("on a generated brand, unpaid orders agree with a recount by order id")
    func generatedUnpaidAgrees() throws {
        let (_, _, s) = Self.generated
        let days = try #require(s.dataDays)
        let period = DayRange(days.last.advanced(by: -89), days.last)
        let calendar = AnalysisCalendar(s)
        let from = calendar.start(of: period.first), to = calendar.end(of: period.last), dataEnd = calendar.end(of: days.last)
        let report = try UnpaidOrdersReport.compute(s, period: period, within: Self.d)
        var placed: [String: (ts: Int64, fen: Int64)] = [:]
        var firstPay: [String: Int64] = [:]
        for c in 0..<s.consumerCount {
            for i in s.events(of: c) {
                guard let order = s.value(.orderID, i) else { continue }
                let key = "\(c)/\(order)"
                if s.kind[i] == .order, placed[key] == nil { placed[key] = (s.ts[i], s.amount(i) ?? 0) }
                if s.kind[i] == .pay { firstPay[key] = min(firstPay[key] ?? .max, s.ts[i]) }
            }
        }
        var orders = 0, unpaid = 0, awaiting = 0
        var fen: Int64 = 0
        for (key, order) in placed where order.ts >= from && order.ts < to {
            orders += 1
            if let pay = firstPay[key], pay - order.ts <= Self.d { continue }
            if order.ts + Self.d >= dataEnd { awaiting += 1 } else { unpaid += 1; fen += order.fen }
        }
        #expect(report.orders == orders)
        #expect(report.unpaid == unpaid)
        #expect(report.awaiting == awaiting)
        #expect(report.unpaidFen == fen)
        #expect(unpaid > 0)
    }
}
