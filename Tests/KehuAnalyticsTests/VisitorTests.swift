import Testing
import KehuModel
import KehuStore
import KehuTesting
@testable import KehuAnalytics

@Suite("Customer-operations view (新访 / 回访 / 老客)")
struct VisitorTests {
    static let june = DayRange(Day(year: 2026, month: 6, day: 1), Day(year: 2026, month: 6, day: 30))
    static let day = TestClock.day
    /// The instant every lookback-edge consumer first visits in June.
    static let edgeVisit = TestClock.at(2026, 6, 15, hour: 12)

    /// Period 2026-06-01..2026-06-30, previous period 2026-05-02..2026-05-31, lookback 365 days.
    ///
    /// m1  new: view 06-05, pays 100.00 06-05                        -> 新访 buyer 100.00
    /// m2  new: view 06-10                                           -> 新访
    /// m3  view 03-01 (in lookback), view 06-03, pays 50.00 06-04    -> 回访 buyer 50.00
    /// m4  paid 200.00 2025-12-01; view 06-02; pays 80.00 + 20.00    -> 老客 buyer 100.00
    /// m5  paid 30.00 04-01, refunded in full 04-03; view 06-06      -> 新访 (no paid order, no visit)
    /// m6  paid 40.00 05-10; view 06-07; refunded in full 06-08      -> 老客 (a purchase at the visit)
    /// m7  paid exactly 365 days before its 06-15 12:00 visit        -> 老客 (edge inside)
    /// m8  paid 366 days before its 06-15 12:00 visit                -> 新访
    /// m9  viewed exactly 365 days before its visit                  -> 回访 (edge inside)
    /// m10 viewed 365 days + 1 ms before its visit                   -> 新访
    /// m11 pays 60.00 at POS 06-02 (no history), first view 06-12    -> 老客 buyer 60.00, paid before first visit
    /// m12 pays 300.00 at POS 06-15, never visits                    -> no tracked visit 300.00
    /// m13 view 05-20 (no pay in May); pays 45.50 06-16, no visit    -> no tracked visit 45.50; recalled
    /// m14 view 05-10 (no pay in May); view 06-25                    -> 回访; revisited
    /// m15 view + pays 05-15; view + pays 10.00 06-18                -> 老客 buyer 10.00; bought in May
    /// m16 view 05-01 (before the previous period); view 06-01       -> 回访; not a previous visitor
    /// m17 pays 10.00 06-30 23:59; view 07-01 00:00 (after June)     -> no tracked visit 10.00
    ///
    /// 新访 m1 m2 m5 m8 m10: 5 visitors, 1 buyer, 20.0%, GMV 100.00, AOV 100.00
    /// 回访 m3 m9 m14 m16:   4 visitors, 1 buyer, 25.0%, GMV 50.00, AOV 50.00
    /// 老客 m4 m6 m7 m11 m15: 5 visitors, 3 buyers, 60.0%, GMV 170.00, AOV 56.67 (170/3 rounded)
    /// no tracked visit m12 m13 m17: 3 buyers, GMV 355.50
    /// Total: 14 visitors, 8 buyers, GMV 100 + 50 + 170 + 355.50 = 675.50.
    /// 未购客户回访: previous non-buying visitors m13, m14 = 2; revisited m14 = 1 (50.0%);
    /// recalled m13 = 1 (50.0%).
    static let records: [EventRecord] = {
        let at = TestClock.at
        let v = edgeVisit
        var n = 0
        func e(_ key: Int, _ ts: Int64, _ kind: EventKind, order: String? = nil, amount: Int64? = nil, channel: String = "tmall") -> EventRecord {
            n += 1
            return event("e\(n)", ts, kind, ["member:\(key)"], channel: channel, order: order, amount: amount)
        }
        return [
            e(1, at(2026, 6, 5, 10, 0), .view), e(1, at(2026, 6, 5, 11, 0), .pay, order: "o1", amount: 10_000),
            e(2, at(2026, 6, 10, 12, 0), .view),
            e(3, at(2026, 3, 1, 12, 0), .view), e(3, at(2026, 6, 3, 12, 0), .view),
            e(3, at(2026, 6, 4, 12, 0), .pay, order: "o3", amount: 5_000),
            e(4, at(2025, 12, 1, 12, 0), .pay, order: "o4a", amount: 20_000), e(4, at(2026, 6, 2, 12, 0), .view),
            e(4, at(2026, 6, 20, 12, 0), .pay, order: "o4b", amount: 8_000),
            e(4, at(2026, 6, 21, 12, 0), .pay, order: "o4c", amount: 2_000),
            e(5, at(2026, 4, 1, 12, 0), .pay, order: "o5", amount: 3_000),
            e(5, at(2026, 4, 3, 12, 0), .refund, order: "o5", amount: 3_000), e(5, at(2026, 6, 6, 12, 0), .view),
            e(6, at(2026, 5, 10, 12, 0), .pay, order: "o6", amount: 4_000), e(6, at(2026, 6, 7, 12, 0), .view),
            e(6, at(2026, 6, 8, 12, 0), .refund, order: "o6", amount: 4_000),
            e(7, v - 365 * day, .pay, order: "o7", amount: 1_000), e(7, v, .view),
            e(8, v - 366 * day, .pay, order: "o8", amount: 1_000), e(8, v, .view),
            e(9, v - 365 * day, .view), e(9, v, .view),
            e(10, v - 365 * day - 1, .view), e(10, v, .view),
            e(11, at(2026, 6, 2, 12, 0), .pay, order: "o11", amount: 6_000, channel: "pos"), e(11, at(2026, 6, 12, 12, 0), .view),
            e(12, at(2026, 6, 15, 12, 0), .pay, order: "o12", amount: 30_000, channel: "pos"),
            e(13, at(2026, 5, 20, 12, 0), .view), e(13, at(2026, 6, 16, 12, 0), .pay, order: "o13", amount: 4_550, channel: "pos"),
            e(14, at(2026, 5, 10, 12, 0), .view), e(14, at(2026, 6, 25, 12, 0), .view),
            e(15, at(2026, 5, 15, 12, 0), .view), e(15, at(2026, 5, 15, 13, 0), .pay, order: "o15a", amount: 1_000),
            e(15, at(2026, 6, 18, 12, 0), .view), e(15, at(2026, 6, 18, 13, 0), .pay, order: "o15b", amount: 1_000),
            e(16, at(2026, 5, 1, 12, 0), .view), e(16, at(2026, 6, 1, 12, 0), .view),
            e(17, at(2026, 6, 30, 23, 59), .pay, order: "o17", amount: 1_000), e(17, at(2026, 7, 1, 0, 0), .view),
        ]
    }()

    @Test("each visitor class, the no-visit row and the revisits follow the definitions")
    func handBuilt() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let r = VisitorReport.compute(s, period: Self.june)
        #expect(r.previousPeriod == DayRange(Day(year: 2026, month: 5, day: 2), Day(year: 2026, month: 5, day: 31)))
        let rows = Dictionary(uniqueKeysWithValues: r.classes.map { ($0.visitorClass, $0) })
        let new = try #require(rows["new"])
        let returning = try #require(rows["returning"])
        let old = try #require(rows["old"])
        #expect([new.visitors, new.buyers] == [5, 1])
        #expect(new.gmvFen == 10_000 && new.aovFen == 10_000)
        #expect(new.conversion == 0.2)
        #expect([returning.visitors, returning.buyers] == [4, 1])
        #expect(returning.gmvFen == 5_000 && returning.aovFen == 5_000)
        #expect([old.visitors, old.buyers] == [5, 3])
        #expect(old.gmvFen == 17_000)
        #expect(old.aovFen == 5_667)
        #expect(r.visitors == 14)
        #expect(r.buyers == 8)
        #expect(r.totalGmvFen == 67_550)
        #expect(r.paidBeforeFirstVisit == 1)
        #expect(r.paymentsWithUnknownAmount == 0)

        #expect(r.growthPaths.map(\.path) == ["new-visitor-purchase", "returning-visitor-purchase", "old-customer-repurchase", "no-tracked-visit"])
        #expect(r.growthPaths.map(\.buyers) == [1, 1, 3, 3])
        #expect(r.growthPaths.map(\.gmvFen) == [10_000, 5_000, 17_000, 35_550])
        #expect(r.growthPathsGmvFen == r.totalGmvFen)

        #expect(r.revisits.previousNonBuyingVisitors == 2)
        #expect(r.revisits.revisited == 1)
        #expect(r.revisits.bought == 1)
        #expect(r.revisits.revisitRate == 0.5 && r.revisits.recallRate == 0.5)
    }

    /// The classes one by one at other lookbacks: with 364 days m7's order and m9's view (both
    /// exactly 365 days before the visit) fall out; with 366 days m8's order and m10's view come
    /// in. m3 first visits 06-03 12:00; its view 03-01 12:00 is exactly 94 days earlier
    /// (March 31 - 1 = 30, April 30, May 31, June 3: 30 + 30 + 31 + 3 = 94), so a 94-day lookback
    /// keeps it and 93 does not.
    @Test("the lookback edge is inclusive: exactly N days before the visit is inside, a millisecond more is not")
    func lookbackEdges() throws {
        let (_, w, s) = try snapshot(of: Self.records)
        func classOf(_ key: String, lookback: Int) throws -> VisitorClass {
            let c = try VisitorReference.consumer(key, w, s)
            let start = AnalysisCalendar(s).start(of: Self.june.first)
            let row = s.firstEvent(of: c, atOrAfter: start)
            var visit = Int64.max
            for i in s.events(of: c) where s.kind[i] == .view && s.ts[i] >= start { visit = min(visit, s.ts[i]) }
            return VisitorClass.classify(
                s, PurchaseIndex.of(s), consumer: c, visit: visit, lookback: Int64(lookback) * TestClock.day, firstRowAtOrAfterStart: row)
        }
        #expect(try classOf("member:7", lookback: 365) == .old)
        #expect(try classOf("member:7", lookback: 364) == .new)
        #expect(try classOf("member:8", lookback: 365) == .new)
        #expect(try classOf("member:8", lookback: 366) == .old)
        #expect(try classOf("member:9", lookback: 365) == .returning)
        #expect(try classOf("member:9", lookback: 364) == .new)
        #expect(try classOf("member:10", lookback: 365) == .new)
        #expect(try classOf("member:10", lookback: 366) == .returning)
        #expect(try classOf("member:3", lookback: 94) == .returning)
        #expect(try classOf("member:3", lookback: 93) == .new)
        // The fully refunded order never counts, however long the lookback.
        #expect(try classOf("member:5", lookback: 3_650) == .new)
        // Refunded in full after the visit: a purchase at the visit.
        #expect(try classOf("member:6", lookback: 365) == .old)
        // Paid in the period before the first visit: that payment makes an old customer.
        #expect(try classOf("member:11", lookback: 365) == .old)
    }

    @Test("the report totals move with the lookback: 366 days makes m8 老客 and m10 回访")
    func reportWithLongerLookback() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let r = VisitorReport.compute(s, period: Self.june, lookbackDays: 366)
        // 新访 loses m8 and m10 (m5's order was refunded in full, so it stays 新访): m1 m2 m5.
        #expect(r.classes.map(\.visitors) == [3, 5, 6])
        #expect(r.classes.map(\.buyers) == [1, 1, 3])
        #expect(r.growthPathsGmvFen == 67_550 && r.totalGmvFen == 67_550)
    }

    @Test("tables and JSON show the figures, the reconciliation and the revisit numerators")
    func rendering() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let r = VisitorReport.compute(s, period: Self.june)
        let text = r.rendered(as: .table)
        #expect(text.contains("¥675.50"))
        #expect(text.contains("(reconciles)"))
        #expect(text.contains("¥56.67"))
        #expect(text.contains("60.0%"))
        #expect(text.contains("buyers with no tracked visit"))
        #expect(text.contains("lookback: 365d before the first visit"))
        #expect(text.contains("1 visitors paid in the period before their first visit"))
        let json = r.rendered(as: .json)
        #expect(json.contains("\"totalGmvFen\" : 67550"))
        #expect(json.contains("\"previousNonBuyingVisitors\" : 2"))
    }

    @Test("the catalogue analysis takes from, to and lookback-days, with a 30-day default period")
    func catalogue() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        // The last day with data is 2026-07-01 (m17's view): the default period is 06-02..07-01.
        let byDefault = try #require(try AnalysisCatalogue.named("visitors").run(s, AnalysisArguments()) as? VisitorReport)
        #expect(byDefault.period == DayRange(Day(year: 2026, month: 6, day: 2), Day(year: 2026, month: 7, day: 1)))
        #expect(byDefault.lookbackDays == 365)
        let june = try #require(
            try Analysis.visitors.run(s, AnalysisArguments(["from": "2026-06-01", "to": "2026-06-30", "lookback-days": "366"])) as? VisitorReport)
        #expect(june.classes.map(\.visitors) == [3, 5, 6])
        #expect(throws: AnalysisError.self) { try Analysis.visitors.run(s, AnalysisArguments(["lookback-days": "0"])) }
    }

    /// On a simulated brand, a plain second implementation from the definitions agrees on every
    /// figure for two periods.
    @Test("generated data: a reference from the definitions agrees exactly")
    func generated() throws {
        let (_, _, s) = try generatedSnapshot()
        let last = try #require(s.dataDays).last
        for (period, lookback) in [(DayRange(ending: last, days: 30), 365), (DayRange(last.advanced(by: -200), last.advanced(by: -156)), 180)] {
            let r = VisitorReport.compute(s, period: period, lookbackDays: lookback)
            let ref = ReferenceVisitors(s, period: period, lookbackDays: lookback)
            #expect(r.visitors > 100 && ref.buyers.reduce(0, +) > 10, "the period has visitors and buyers")
            #expect(r.classes.map(\.visitors) == ref.visitors, "\(period)")
            #expect(r.classes.map(\.buyers) == ref.buyers, "\(period)")
            #expect(r.classes.map(\.gmvFen) == ref.gmv, "\(period)")
            let referenceAOV: [Int64?] = (0..<3).map { k in
                ref.buyers[k] == 0 ? nil : Int64((Double(ref.gmv[k]) / Double(ref.buyers[k])).rounded())
            }
            #expect(r.classes.map(\.aovFen) == referenceAOV)
            #expect(r.growthPaths.last?.buyers == ref.noVisitBuyers)
            #expect(r.growthPaths.last?.gmvFen == ref.noVisitGmv)
            #expect(r.buyers == ref.allBuyers)
            #expect(r.totalGmvFen == ref.totalGmv)
            #expect(r.growthPathsGmvFen == ref.totalGmv)
            #expect(r.paidBeforeFirstVisit == ref.paidBeforeFirstVisit)
            #expect(r.paymentsWithUnknownAmount == ref.unknown)
            #expect(r.revisits.previousNonBuyingVisitors == ref.previousNonBuyers, "\(period)")
            #expect(r.revisits.revisited == ref.revisited)
            #expect(r.revisits.bought == ref.recalled)
            #expect(ref.visitors.allSatisfy { $0 > 0 }, "every class occurs")
        }
    }
}

/// Plain-value helpers for the reference computations of the visitor and nine-metrics tests.
enum VisitorReference {
    struct PlainEvent {
        var ts: Int64
        var kind: EventKind
        var order: String?
        var amount: Int64?
    }

    /// Every consumer's events as plain values.
    static func consumers(_ s: Snapshot) -> [[PlainEvent]] {
        (0..<s.consumerCount).map { c in
            s.events(of: c).map { PlainEvent(ts: s.ts[$0], kind: s.kind[$0], order: s.value(.orderID, $0), amount: s.amount($0)) }
        }
    }

    /// Whether the events hold an order whose first payment is in `[from, before)` and that was
    /// not refunded in full before `before` (refunds at least its payments, none unknown).
    static func hadPaidOrder(_ events: [PlainEvent], from: Int64, before: Int64) -> Bool {
        var first: [String: Int64] = [:]
        var paid: [String: Int64] = [:]
        var refunded: [String: Int64] = [:]
        var unknown: Set<String> = []
        for e in events where e.ts < before {
            if e.kind == .pay {
                // A payment without an order id is an order of its own.
                guard let order = e.order else {
                    if e.ts >= from { return true }
                    continue
                }
                first[order] = min(first[order] ?? .max, e.ts)
                if let amount = e.amount { paid[order, default: 0] += amount } else { unknown.insert(order) }
            } else if e.kind == .refund, let order = e.order {
                refunded[order, default: 0] += e.amount ?? 0
            }
        }
        for (order, firstPay) in first where firstPay >= from {
            let r = refunded[order] ?? 0
            let fullyRefunded = r > 0 && r >= (paid[order] ?? 0) && !unknown.contains(order)
            if !fullyRefunded { return true }
        }
        return false
    }

    /// The dense consumer index of an identity key in a hand-built workspace's snapshot.
    static func consumer(_ key: String, _ workspace: Workspace, _ snapshot: Snapshot) throws -> Int {
        let identity = try #require(try ConsumerIdentity.lookup(try IdentityKey.parse(key), in: workspace))
        return try #require(snapshot.denseIndex(ofConsumer: identity.consumerID))
    }
}

/// The customer-operations view from the definitions, with plain loops and dictionaries.
struct ReferenceVisitors {
    var visitors = [0, 0, 0]
    var buyers = [0, 0, 0]
    var gmv: [Int64] = [0, 0, 0]
    var noVisitBuyers = 0
    var noVisitGmv: Int64 = 0
    var allBuyers = 0
    var totalGmv: Int64 = 0
    var unknown = 0
    var paidBeforeFirstVisit = 0
    var previousNonBuyers = 0
    var revisited = 0
    var recalled = 0

    init(_ s: Snapshot, period: DayRange, lookbackDays: Int) {
        let start = s.zone.start(of: period.first)
        let end = s.zone.end(of: period.last)
        let previousStart = s.zone.start(of: period.first.advanced(by: -period.dayCount))
        let lookback = Int64(lookbackDays) * 86_400_000
        for events in VisitorReference.consumers(s) {
            let inPeriod = events.filter { $0.ts >= start && $0.ts < end }
            let inPrevious = events.filter { $0.ts >= previousStart && $0.ts < start }
            let pays = inPeriod.filter { $0.kind == .pay }
            let fen = pays.reduce(Int64(0)) { $0 + ($1.amount ?? 0) }
            unknown += pays.filter { $0.amount == nil }.count
            if !pays.isEmpty {
                allBuyers += 1
                totalGmv += fen
            }
            let visits = inPeriod.filter { $0.kind == .view }
            if let visit = visits.map(\.ts).min() {
                let k: Int
                if VisitorReference.hadPaidOrder(events, from: visit - lookback, before: visit) {
                    k = 2
                } else if events.contains(where: { $0.kind == .view && $0.ts >= visit - lookback && $0.ts < visit }) {
                    k = 1
                } else {
                    k = 0
                }
                visitors[k] += 1
                if !pays.isEmpty {
                    buyers[k] += 1
                    gmv[k] += fen
                    if pays.map(\.ts).min()! < visit { paidBeforeFirstVisit += 1 }
                }
            } else if !pays.isEmpty {
                noVisitBuyers += 1
                noVisitGmv += fen
            }
            if inPrevious.contains(where: { $0.kind == .view }) && !inPrevious.contains(where: { $0.kind == .pay }) {
                previousNonBuyers += 1
                if !visits.isEmpty { revisited += 1 }
                if !pays.isEmpty { recalled += 1 }
            }
        }
    }
}
