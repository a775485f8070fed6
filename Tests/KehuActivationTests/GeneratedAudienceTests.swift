import KehuAnalytics
import KehuModel
import KehuStore
import KehuTesting
import Testing
@testable import KehuActivation

/// On a simulated brand, the bitmap kernels agree exactly with plain loops over each consumer's
/// events that compare calendar days (no binary search, no early exit, no caches).
@Suite struct GeneratedAudienceTests {
    static let brand = Result { try generatedSnapshot(consumers: 1_500, days: 400) }

    /// Plain per-consumer facts as of `day`, counted with calendar days.
    struct Facts {
        var cartsIn30 = 0
        var payFenIn365: Int64 = 0
        var viewIn7 = false
        var firstPayDay: Day?
        var channels: Set<String> = []
        var tmallViewsIn30 = 0
        var viewsIn365 = 0
        var member = false
    }

    func facts(_ snapshot: Snapshot, _ c: Int, asOf day: Day) -> Facts {
        var f = Facts()
        for i in snapshot.events(of: c) {
            let d = snapshot.zone.day(ofUTC: snapshot.ts[i])
            guard d <= day else { continue }
            let age = d.distance(to: day)  // 0 on the as-of day
            let kind = snapshot.kind[i]
            if let channel = snapshot.value(.channel, i) { f.channels.insert(channel) }
            if kind == .cart && age < 30 { f.cartsIn30 += 1 }
            if kind == .pay && age < 365 { f.payFenIn365 += snapshot.amount(i) ?? 0 }
            if kind == .view && age < 7 { f.viewIn7 = true }
            if kind == .view && age < 30 && snapshot.value(.channel, i) == "tmall" { f.tmallViewsIn30 += 1 }
            if kind == .view && age < 365 { f.viewsIn365 += 1 }
            if kind == .pay && f.firstPayDay == nil { f.firstPayDay = d }
            if kind == .memberJoin { f.member = true }
            if kind == .memberLeave { f.member = false }
        }
        return f
    }

    @Test(arguments: [0, 45])
    func kernelsAgreeWithPlainLoops(daysBeforeEnd: Int) throws {
        let (_, _, snapshot) = try Self.brand.get()
        let day = snapshot.dataDays!.last.advanced(by: -daysBeforeEnd)
        let all = (0..<snapshot.consumerCount).map { facts(snapshot, $0, asOf: day) }
        #expect(all.contains { $0.viewsIn365 > EventWindowKernel.walkLimit }, "some windows hold more rows than the walk back covers")
        let cases: [(String, (Facts) -> Bool)] = [
            ("count(cart, 30d) >= 2 and sum(pay, 365d) > 500", { $0.cartsIn30 >= 2 && $0.payFenIn365 > 50_000 }),
            ("last(view) within 7d or first(pay) within 60d", { f in
                f.viewIn7 || f.firstPayDay.map { $0.distance(to: day) < 60 } == true
            }),
            ("channel = douyin and not count(view, 30d, channel = tmall) >= 1", { $0.channels.contains("douyin") && $0.tmallViewsIn30 == 0 }),
            ("member and sum(pay, 365d) <= 199.99", { $0.member && $0.payFenIn365 <= 19_999 }),
            ("count(cart, 30d) = 0 and not member", { $0.cartsIn30 == 0 && !$0.member }),
            // Windows with more events than the kernel walks back over before it binary-searches.
            ("count(view, 365d) >= 30", { $0.viewsIn365 >= 30 }),
            ("count(view, 365d) >= 10 and count(view, 365d) <= 40", { $0.viewsIn365 >= 10 && $0.viewsIn365 <= 40 }),
        ]
        var evaluator = ExpressionEvaluator(snapshot: snapshot, asOf: day)
        for (text, reference) in cases {
            let expected = all.indices.filter { reference(all[$0]) }
            let got = try evaluator.evaluate(text).members
            #expect(got == expected, "\(text): \(got.count) against \(expected.count)")
            #expect(!expected.isEmpty, "\(text) selects nobody: the case tests nothing")
        }
        // Stages and RFM segments agree with the analyses' own per-consumer results.
        let stages = AIPLStages.compute(snapshot, asOf: day)
        #expect(try evaluator.evaluate("stage in (I, L)").members == stages.indices.filter { stages[$0] == .interested || stages[$0] == .loyal })
        // Stage inside an `or` is evaluated on the consumers the `and` has left (the `within` path).
        #expect(try evaluator.evaluate("count(cart, 30d) >= 1 and (stage = P or stage = none)").members
            == stages.indices.filter { all[$0].cartsIn30 >= 1 && (stages[$0] == .purchased || stages[$0] == AIPLStage.none) })
        let rfm = RFMTable.of(snapshot, asOf: day)
        #expect(try evaluator.evaluate("rfm = champions").members
            == (0..<rfm.count).filter { rfm.segment[$0] == .champions }.map { Int(rfm.consumer[$0]) })
        // CLV: the consumers the CLV report values above its median (to the fen), same calibration end.
        let report = try CustomerValueReport.compute(snapshot, CustomerValueParameters(calibrationEnd: day))
        let clvs = report.values.map(\.clv).sorted()
        let thresholdFen = Int64((clvs[clvs.count / 2] * 100).rounded(.down))
        let valued = report.values.filter { $0.clv > Double(thresholdFen) / 100 }
            .map { snapshot.denseIndex(ofConsumer: $0.consumerID)! }.sorted()
        #expect(!valued.isEmpty)
        #expect(try evaluator.evaluate("clv > \(Money.plainYuan(fen: thresholdFen))").members == valued)
    }

    /// The per-kind recency tests never claim what the milliseconds deny: "none since the start"
    /// means the last event is before the start, "inside" means start <= ts < end. Windows and
    /// events on and around second and day boundaries, and off whole seconds.
    @Test func recencyWindowTestsAreExact() {
        let base: Int64 = 1_700_000_000_000
        let recency = KindRecency(base: base, lastSecond: [])
        var generator = SystemRandomNumberGenerator()
        var proofs = (none: 0, inside: 0)
        for round in 0..<20_000 {
            // Day-aligned windows most of the time, arbitrary milliseconds otherwise.
            let aligned = round % 4 != 0
            let start = base + (aligned ? Int64.random(in: 0...400, using: &generator) * 86_400_000 : Int64.random(in: 0...40_000_000_000, using: &generator))
            let end = start + (aligned ? Int64.random(in: 1...365, using: &generator) * 86_400_000 : Int64.random(in: 1...40_000_000_000, using: &generator))
            let window = recency.window(start: start, end: end)
            let around = [start, end][round % 2] + Int64.random(in: -2_500...2_500, using: &generator)
            for ts in [around, start - 1, start, start + 999, end - 1, end, base, base + 999] where ts >= base {
                let v = KindRecency.encode(ts, base: base)
                if window.noneSince(v) {
                    proofs.none += 1
                    #expect(ts < start, "none since \(start), but the last event is at \(ts)")
                }
                if window.lastInside(v) {
                    proofs.inside += 1
                    #expect(start <= ts && ts < end, "inside [\(start), \(end)), but the last event is at \(ts)")
                }
            }
        }
        #expect(proofs.none > 1_000 && proofs.inside > 1_000, "the tests prove something often enough to matter")
        // 0 is "no event of the kind": none in any window; the saturated value proves nothing.
        let window = recency.window(start: base + 86_400_000, end: base + 2 * 86_400_000)
        #expect(window.noneSince(0) && !window.lastInside(0))
        #expect(!window.noneSince(.max) && !window.lastInside(.max))
        #expect(KindRecency.encode(base + 86_400_000, base: base) == 86_401)
        #expect(window.lastInside(86_401) && !window.lastInside(86_400 + 86_401) && window.noneSince(86_400))
    }
}
