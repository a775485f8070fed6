import Testing
import KehuModel
import KehuStore
import KehuTesting
@testable import KehuAnalytics

@Suite("The nine metrics (新客 / 老客 / 休眠)")
struct NineMetricsTests {
    static let june = DayRange(Day(year: 2026, month: 6, day: 1), Day(year: 2026, month: 6, day: 30))

    /// Period 2026-06-01..2026-06-30; S = 2026-06-01 00:00; dormant-days 90, so the activity
    /// window is [2026-03-03 00:00, S) (06-01 - 90 days: -31 May, -30 April, -29 March = 03-03).
    ///
    /// n1 no history; view + pays 100.00 06-05                              -> 新客 traffic, buyer
    /// n2 no history; view 06-06                                            -> 新客 traffic
    /// n3 paid 50.00 01-10, refunded in full 01-12; view + pays 30.00 06-07 -> 新客 (refunded order) buyer
    /// n4 view 06-26 + a payment without an amount                          -> 新客 buyer, GMV 0, 1 unknown
    /// o1 paid 200.00 2025-10-01; view 05-20; view + pays 70.00 06-10       -> 老客 buyer
    /// o2 paid 2025-12-01; cart at exactly 03-03 00:00; view 06-11           -> 老客 (edge: 90 days) traffic
    /// o3 paid 05-01 (the payment is activity); pays 40.00 06-12, no view   -> 老客 at start; buyer without a visit
    /// d1 paid 80.00 2025-11-01; impression 03-02 23:59 (91st day); view + pays 120.00 06-15 -> 休眠 buyer
    /// d2 paid 2025-06-01, nothing since                                    -> 休眠 at start only
    /// d3 paid 2025-08-01, refunded in full 06-10 (after S); view 06-20      -> 休眠 (a purchase at S) traffic
    /// x1 no history; pays 15.00 06-25, no view                             -> buyer without a visit
    ///
    /// 新客: traffic 4 (n1 n2 n3 n4), buyers 3, 75.0%, GMV 130.00, AOV 130.00/3 = 43.33;
    ///       4 × 3/4 × 13000/3 = 13000 fen exactly (3 × the rounded 4333 would be 12999).
    /// 老客: at start 3 (o1 o2 o3), traffic 2, buyers 1, 50.0%, GMV 70.00, AOV 70.00.
    /// 休眠: at start 3 (d1 d2 d3), traffic 2, buyers 1, 50.0%, GMV 120.00, AOV 120.00.
    /// Buyers without a visit: o3, x1 = 2, GMV 55.00.
    /// Total GMV = 130 + 70 + 120 + 55 = 375.00; unknown amounts 1.
    static let records: [EventRecord] = {
        let at = TestClock.at
        var n = 0
        func e(_ key: String, _ ts: Int64, _ kind: EventKind, order: String? = nil, amount: Int64? = nil) -> EventRecord {
            n += 1
            return event("e\(n)", ts, kind, ["member:\(key)"], order: order, amount: amount)
        }
        return [
            e("n1", at(2026, 6, 5, 10, 0), .view), e("n1", at(2026, 6, 5, 11, 0), .pay, order: "a1", amount: 10_000),
            e("n2", at(2026, 6, 6, 10, 0), .view),
            e("n3", at(2026, 1, 10, 10, 0), .pay, order: "a3", amount: 5_000),
            e("n3", at(2026, 1, 12, 10, 0), .refund, order: "a3", amount: 5_000),
            e("n3", at(2026, 6, 7, 10, 0), .view), e("n3", at(2026, 6, 7, 11, 0), .pay, order: "b3", amount: 3_000),
            e("n4", at(2026, 6, 26, 10, 0), .view), e("n4", at(2026, 6, 26, 11, 0), .pay, order: "a4"),
            e("o1", at(2025, 10, 1, 10, 0), .pay, order: "c1", amount: 20_000), e("o1", at(2026, 5, 20, 10, 0), .view),
            e("o1", at(2026, 6, 10, 10, 0), .view), e("o1", at(2026, 6, 10, 11, 0), .pay, order: "d1", amount: 7_000),
            e("o2", at(2025, 12, 1, 10, 0), .pay, order: "c2", amount: 1_000), e("o2", at(2026, 3, 3, 0, 0), .cart),
            e("o2", at(2026, 6, 11, 10, 0), .view),
            e("o3", at(2026, 5, 1, 10, 0), .pay, order: "c3", amount: 1_000),
            e("o3", at(2026, 6, 12, 10, 0), .pay, order: "d3", amount: 4_000),
            e("d1", at(2025, 11, 1, 10, 0), .pay, order: "f1", amount: 8_000), e("d1", at(2026, 3, 2, 23, 59), .impression),
            e("d1", at(2026, 6, 15, 10, 0), .view), e("d1", at(2026, 6, 15, 11, 0), .pay, order: "g1", amount: 12_000),
            e("d2", at(2025, 6, 1, 10, 0), .pay, order: "f2", amount: 1_000),
            e("d3", at(2025, 8, 1, 10, 0), .pay, order: "f3", amount: 1_000),
            e("d3", at(2026, 6, 10, 10, 0), .refund, order: "f3", amount: 1_000), e("d3", at(2026, 6, 20, 10, 0), .view),
            e("x1", at(2026, 6, 25, 10, 0), .pay, order: "h1", amount: 1_500),
        ]
    }()

    @Test("new, old and dormant at the start; traffic, conversion, AOV and GMV per group")
    func handBuilt() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let r = NineMetricsReport.compute(s, period: Self.june)
        #expect(r.groups.map(\.group) == ["new", "old", "dormant"])
        #expect(r.groups.map(\.consumersAtStart) == [nil, 3, 3])
        #expect(r.groups.map(\.traffic) == [4, 2, 2])
        #expect(r.groups.map(\.buyers) == [3, 1, 1])
        #expect(r.groups.map(\.conversion) == [0.75, 0.5, 0.5])
        #expect(r.groups.map(\.gmvFen) == [13_000, 7_000, 12_000])
        #expect(r.groups.map(\.aovFen) == [4_333, 7_000, 12_000])
        #expect(r.buyersWithoutVisit == 2)
        #expect(r.buyersWithoutVisitGmvFen == 5_500)
        #expect(r.totalGmvFen == 37_500)
        #expect(r.paymentsWithUnknownAmount == 1)
    }

    @Test("traffic × conversion × AOV is GMV exactly, and the groups plus buyers without a visit are the total")
    func reconciliation() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let r = NineMetricsReport.compute(s, period: Self.june)
        // 新客: 4 × 3/4 × 13000/3 = 13000, where the rounded AOV would give 3 × 4333 = 12999.
        #expect(r.groups.map(\.trafficTimesConversionTimesAovFen) == [13_000, 7_000, 12_000])
        #expect(r.groups.allSatisfy { $0.reconciles })
        #expect(r.groups[0].buyers * Int(r.groups[0].aovFen!) == 12_999)
        #expect(r.reconciledTotalGmvFen == 37_500)
        #expect(r.reconciledTotalGmvFen == r.totalGmvFen)
        let text = r.rendered(as: .table)
        #expect(text.contains("¥375.00"))
        #expect(text.contains("(reconciles)"))
        #expect(text.contains("¥130.00 ✓"))
        #expect(text.contains("休眠用户数量 (dormant customers at the start): 3"))
        #expect(text.contains("buyers without a visit"))
        // The total row: traffic 8, buyers 7 (5 visitors + 2 without a visit), AOV 375.00/7 = 53.57.
        let total = try #require(text.split(separator: "\n").first { $0.hasPrefix("total") })
        #expect(total.contains("¥53.57") && total.contains("¥375.00"))
    }

    @Test("the dormant boundary: an event exactly 90 days before the start keeps a buyer 老客, the 91st day does not")
    func dormantBoundary() throws {
        let (_, w, s) = try snapshot(of: Self.records)
        // With 90 days: o2 (cart 03-03 00:00) is old, d1 (impression 03-02 23:59) dormant.
        // With 91 days (window from 03-02 00:00): d1 becomes old too: old 4 (traffic 3), dormant 2.
        let r91 = NineMetricsReport.compute(s, period: Self.june, dormantDays: 91)
        #expect(r91.groups.map(\.consumersAtStart) == [nil, 4, 2])
        #expect(r91.groups.map(\.traffic) == [4, 3, 1])
        #expect(r91.groups.map(\.gmvFen) == [13_000, 19_000, 0])
        // With 89 days (window from 03-04 00:00): o2 is dormant: old 2 (traffic 1), dormant 4 (traffic 3).
        let r89 = NineMetricsReport.compute(s, period: Self.june, dormantDays: 89)
        #expect(r89.groups.map(\.consumersAtStart) == [nil, 2, 4])
        #expect(r89.groups.map(\.traffic) == [4, 1, 3])
        #expect(r89.groups.allSatisfy { $0.reconciles } && r89.reconciledTotalGmvFen == 37_500)
        // Independently of the report: o2 has an event exactly 90 × 24 h before S.
        let o2 = try VisitorReference.consumer("member:o2", w, s)
        let start = TestClock.start(of: Self.june.first)
        #expect(s.events(of: o2).contains { s.ts[$0] == start - 90 * TestClock.day })
    }

    @Test("the catalogue analysis takes from, to and dormant-days")
    func catalogue() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let r = try #require(
            try Analysis.nine.run(s, AnalysisArguments(["from": "2026-06-01", "to": "2026-06-30", "dormant-days": "91"])) as? NineMetricsReport)
        #expect(r.dormantDays == 91)
        #expect(r.groups.map(\.consumersAtStart) == [nil, 4, 2])
        let byDefault = try #require(try AnalysisCatalogue.named("nine").run(s, AnalysisArguments()) as? NineMetricsReport)
        // The last day with data is 06-26: the default period is 05-28..06-26.
        #expect(byDefault.period == DayRange(Day(year: 2026, month: 5, day: 28), Day(year: 2026, month: 6, day: 26)))
        #expect(byDefault.dormantDays == 90)
        #expect(throws: AnalysisError.self) { try Analysis.nine.run(s, AnalysisArguments(["dormant-days": "ninety"])) }
    }

    @Test("exact fractions: products cancel before multiplying and round half up")
    func fractions() throws {
        let aov = try #require(ExactFraction(13_000, 3))
        #expect(aov.roundedHalfUp == 4_333)
        #expect(try #require(ExactFraction(5, 2)).roundedHalfUp == 3)
        #expect(try #require(ExactFraction(7, 3)).roundedHalfUp == 2)
        let conversion = try #require(ExactFraction(3, 4))
        #expect(ExactFraction(4).times(conversion)?.times(aov)?.whole == 13_000)
        // Figures near 100M consumers and ¥10bn GMV still fit because of the cancelling.
        let big = try #require(ExactFraction(9_000_000, 100_000_000))
        let bigAov = try #require(ExactFraction(1_000_000_000_003, 9_000_000))
        #expect(ExactFraction(100_000_000).times(big)?.times(bigAov)?.whole == 1_000_000_000_003)
        #expect(ExactFraction(1, 0) == nil)
    }

    /// On a simulated brand, a plain second implementation from the definitions agrees on every
    /// figure for two periods.
    @Test("generated data: a reference from the definitions agrees exactly")
    func generated() throws {
        let (_, _, s) = try generatedSnapshot()
        let last = try #require(s.dataDays).last
        for (period, dormantDays) in [(DayRange(ending: last, days: 30), 90), (DayRange(last.advanced(by: -200), last.advanced(by: -141)), 30)] {
            let r = NineMetricsReport.compute(s, period: period, dormantDays: dormantDays)
            let ref = ReferenceNineMetrics(s, period: period, dormantDays: dormantDays)
            #expect(r.groups.map(\.consumersAtStart) == [nil, ref.atStart[1], ref.atStart[2]], "\(period)")
            #expect(r.groups.map(\.traffic) == ref.traffic, "\(period)")
            #expect(r.groups.map(\.buyers) == ref.buyers, "\(period)")
            #expect(r.groups.map(\.gmvFen) == ref.gmv, "\(period)")
            let referenceAOV: [Int64?] = (0..<3).map { k in
                ref.buyers[k] == 0 ? nil : Int64((Double(ref.gmv[k]) / Double(ref.buyers[k])).rounded())
            }
            #expect(r.groups.map(\.aovFen) == referenceAOV)
            #expect(r.groups.map(\.trafficTimesConversionTimesAovFen) == ref.gmv)
            #expect(r.buyersWithoutVisit == ref.noVisitBuyers)
            #expect(r.buyersWithoutVisitGmvFen == ref.noVisitGmv)
            #expect(r.totalGmvFen == ref.totalGmv)
            #expect(r.reconciledTotalGmvFen == ref.totalGmv)
            #expect(r.paymentsWithUnknownAmount == ref.unknown)
            #expect(ref.traffic.allSatisfy { $0 > 0 } && ref.atStart[2] > 0, "every group occurs in \(period): \(ref.traffic) \(ref.atStart) \(ref.buyers)")
        }
    }
}

/// The nine metrics from the definitions, with plain loops.
struct ReferenceNineMetrics {
    var atStart = [0, 0, 0]
    var traffic = [0, 0, 0]
    var buyers = [0, 0, 0]
    var gmv: [Int64] = [0, 0, 0]
    var noVisitBuyers = 0
    var noVisitGmv: Int64 = 0
    var totalGmv: Int64 = 0
    var unknown = 0

    init(_ s: Snapshot, period: DayRange, dormantDays: Int) {
        let start = s.zone.start(of: period.first)
        let end = s.zone.end(of: period.last)
        let activeFrom = s.zone.start(of: period.first.advanced(by: -dormantDays))
        for events in VisitorReference.consumers(s) {
            let paidBefore = VisitorReference.hadPaidOrder(events, from: .min, before: start)
            let active = events.contains { $0.ts >= activeFrom && $0.ts < start }
            let k = !paidBefore ? 0 : active ? 1 : 2
            if paidBefore { atStart[k] += 1 }
            let inPeriod = events.filter { $0.ts >= start && $0.ts < end }
            let pays = inPeriod.filter { $0.kind == .pay }
            let fen = pays.reduce(Int64(0)) { $0 + ($1.amount ?? 0) }
            unknown += pays.filter { $0.amount == nil }.count
            totalGmv += fen
            if inPeriod.contains(where: { $0.kind == .view }) {
                traffic[k] += 1
                if !pays.isEmpty {
                    buyers[k] += 1
                    gmv[k] += fen
                }
            } else if !pays.isEmpty {
                noVisitBuyers += 1
                noVisitGmv += fen
            }
        }
    }
}
