import Testing
import KehuAnalytics
import KehuModel
import KehuPlan
import KehuStore
import KehuTesting

/// A tiny brand whose plan is worked out by hand.
///
/// Campaign 2026-11-01..11-11; reference (default) 2025-11-01..11-11, stages as of 2025-10-31.
///   c1  view 2025-10-25 (A)               pays ¥100 on 2025-11-05          group A, buyer
///   c2  view 2025-10-30 (A)               no purchase in the reference     group A
///   c3  cart 2025-10-28 (I)               pays ¥300 on 2025-11-03          group I, buyer
///   c4  cart 2025-10-29 (I)               no purchase                      group I
///   c5  paid ¥50 on 2025-06-01 (P)        pays ¥200 on 2025-11-11          group P, buyer
///   c6  first seen 2025-11-02             pays ¥80 that day                new, buyer
///   c7  view 2025-01-01 (stale: none)     no purchase                      group none
/// Reference: none 1/0/¥0 · A 2/1/¥100 (value ¥50) · I 2/1/¥300 (¥150) · P 1/1/¥200 (¥200) ·
///            L 0 · new 1/1/¥80.
/// Assets as of 2026-10-31 (P window 2025-11-01..2026-10-31, A/I window 10-17..10-31):
///   c1 P (2025-11-05) · c2 A (view 2026-10-20) · c3 P · c4 none · c5 P (2025-11-11 only) ·
///   c6 P · c7 none · c8 I (cart 2026-10-25) · c9 A (impression 2026-10-31)
///   → none 2, A 2, I 1, P 4, L 0, new 1 (the reference's count).
/// Expected GMV: A 2 × ¥100/2 = ¥100 · I 1 × ¥300/2 = ¥150 · P 4 × ¥200 = ¥800 · new ¥80
///   → ¥1,130.00; expected buyers A 1, I 0.5 → 1, P 4, new 1 → 7.
/// The campaign itself: c2 pays ¥100 (11-05), c8 pays ¥300 (11-03), c10 (first seen 11-02)
/// pays ¥50; c9 views on 11-12, so the data runs past the campaign.
let planEvents: [EventRecord] = [
    event("1", TestClock.at(2025, 10, 25), .view, ["member:1"]),
    event("2", TestClock.at(2025, 11, 5), .pay, ["member:1"], order: "o1", amount: 10_000),
    event("3", TestClock.at(2025, 10, 30), .view, ["member:2"]),
    event("4", TestClock.at(2025, 10, 28), .cart, ["member:3"]),
    event("5", TestClock.at(2025, 11, 3), .pay, ["member:3"], order: "o3", amount: 30_000),
    event("6", TestClock.at(2025, 10, 29), .cart, ["member:4"]),
    event("7", TestClock.at(2025, 6, 1), .pay, ["member:5"], order: "o5a", amount: 5_000),
    event("8", TestClock.at(2025, 11, 11), .pay, ["member:5"], order: "o5b", amount: 20_000),
    event("9", TestClock.at(2025, 11, 2), .pay, ["member:6"], order: "o6", amount: 8_000),
    event("10", TestClock.at(2025, 1, 1), .view, ["member:7"]),
    event("11", TestClock.at(2026, 10, 20), .view, ["member:2"]),
    event("12", TestClock.at(2026, 10, 25), .cart, ["member:8"]),
    event("13", TestClock.at(2026, 10, 31), .impression, ["member:9"], channel: "douyin"),
    event("14", TestClock.at(2026, 11, 5), .pay, ["member:2"], order: "o2", amount: 10_000),
    event("15", TestClock.at(2026, 11, 3), .pay, ["member:8"], order: "o8", amount: 30_000),
    event("16", TestClock.at(2026, 11, 2), .pay, ["member:10"], order: "o10", amount: 5_000),
    event("17", TestClock.at(2026, 11, 12), .view, ["member:9"]),
]

let campaign = DayRange(Day(year: 2026, month: 11, day: 1), Day(year: 2026, month: 11, day: 11))
let oct31 = Day(year: 2026, month: 10, day: 31)

@Suite("GMV gap deduction on a hand-built brand")
struct GapPlanTests {
    func plan(_ target: Int64, costs: [GapPlanParameters.GroupAmount] = [], capacities: [GapPlanParameters.GroupAmount] = []) throws -> GapPlan {
        let (_, _, snapshot) = try snapshot(of: planEvents)
        return try GapPlan.compute(snapshot, GapPlanParameters(targetFen: target, campaign: campaign, asOf: oct31, costs: costs, capacities: capacities))
    }

    @Test("the chain: reference conversion, current assets, expected GMV and gap, worked out by hand")
    func chain() throws {
        let plan = try plan(200_000)
        #expect(plan.parametersUsed.reference == DayRange(Day(year: 2025, month: 11, day: 1), Day(year: 2025, month: 11, day: 11)))
        #expect(plan.groups.map(\.referenceConsumers) == [1, 2, 2, 1, 0, 1])
        #expect(plan.groups.map(\.referenceBuyers) == [0, 1, 1, 1, 0, 1])
        #expect(plan.groups.map(\.referenceGMVFen) == [0, 10_000, 30_000, 20_000, 0, 8_000])
        #expect(plan.groups.map(\.averageOrderValueFen) == [nil, 10_000, 30_000, 20_000, nil, 8_000])
        // Value per consumer in 0.0001 fen: ¥50, ¥150, ¥200, ¥80.
        #expect(plan.groups.map(\.valuePerConsumer) == [0, 50_000_000, 150_000_000, 200_000_000, 0, 80_000_000])
        #expect(plan.groups.map(\.currentConsumers) == [2, 2, 1, 4, 0, 1])
        #expect(plan.groups.map(\.expectedGMVFen) == [0, 10_000, 15_000, 80_000, 0, 8_000])
        #expect(plan.groups.map(\.expectedBuyers) == [0, 1, 1, 4, 0, 1])
        #expect(plan.expectedGMVFen == 113_000)
        #expect(plan.expectedBuyers == 7)
        #expect(plan.gapFen == 87_000)
        // Each group alone: A ⌈870/50⌉ = 18, I ⌈870/150⌉ = 6, P ⌈870/200⌉ = 5, new ⌈870/80⌉ = 11;
        // none and L have no value.
        #expect(plan.groups.map(\.extraToCloseAlone) == [nil, 18, 6, 5, nil, 11])
        #expect(plan.allocation == nil)
        #expect(plan.allocationNote?.contains("No costs") == true)
        let text = plan.rendered(as: .table)
        #expect(text.contains("¥1,130.00") && text.contains("¥870.00"))
    }

    @Test("the cheapest allocation without capacities is all A: 18 × ¥10 = ¥180")
    func allocationUnbounded() throws {
        // Cost per ¥ of value: A ¥10/¥50 = 0.2, I ¥40/¥150 = 0.27, new ¥30/¥80 = 0.375, P ¥100/¥200 = 0.5.
        let plan = try plan(200_000, costs: [.init(.aware, 1_000), .init(.interested, 4_000), .init(.purchased, 10_000), .init(.newToBrand, 3_000)])
        let allocation = try #require(plan.allocation)
        #expect(allocation.costFen == 18_000)
        #expect(allocation.lines.map(\.consumers) == [18, 0, 0, 0])
        #expect(allocation.provenOptimal)
    }

    @Test("capacity-bound: A capped at 10; the cheapest mix costs ¥210, not the greedy ¥220")
    func allocationCapacityBound() throws {
        // 10 A cover ¥500 for ¥100; greedy then takes 3 I (¥120) = ¥220. Cheaper: 2 I (¥300, ¥80)
        // and 1 new (¥80, ¥30) cover the remaining ¥370 for ¥110: ¥210 for ¥880 ≥ ¥870.
        // (9 A + 3 I also cost ¥210; the search keeps the first it finds.)
        let plan = try plan(
            200_000, costs: [.init(.aware, 1_000), .init(.interested, 4_000), .init(.purchased, 10_000), .init(.newToBrand, 3_000)],
            capacities: [.init(.aware, 10)])
        let allocation = try #require(plan.allocation)
        #expect(allocation.costFen == 21_000)
        #expect(allocation.lines.map(\.group) == [.aware, .interested, .purchased, .newToBrand])
        #expect(allocation.lines.map(\.consumers) == [10, 2, 0, 1])
        #expect(allocation.value >= 870_000_000)
    }

    @Test("capacities too small to close the gap say how far they reach")
    func capacityShort() throws {
        let plan = try plan(200_000, costs: [.init(.aware, 1_000)], capacities: [.init(.aware, 10)])
        #expect(plan.allocation == nil)
        #expect(plan.allocationNote?.contains("cannot close the gap") == true)
    }

    @Test("a zero and a negative gap need no one")
    func noGap() throws {
        let exact = try plan(113_000, costs: [.init(.aware, 1_000)])
        #expect(exact.gapFen == 0)
        #expect(exact.groups.allSatisfy { $0.extraToCloseAlone == nil })
        #expect(exact.allocation == nil)
        let surplus = try plan(100_000)
        #expect(surplus.gapFen == -13_000)
        #expect(surplus.rendered(as: .table).contains("no extra consumers are needed"))
    }

    @Test("a reference window without buyers is a clear error")
    func noReferenceBuyers() throws {
        let (_, _, snapshot) = try snapshot(of: planEvents)
        let reference = DayRange(Day(year: 2025, month: 3, day: 1), Day(year: 2025, month: 3, day: 10))
        #expect(throws: PlanError.noReferenceBuyers(reference)) {
            try GapPlan.compute(snapshot, GapPlanParameters(targetFen: 100, campaign: campaign, reference: reference, asOf: oct31))
        }
        #expect(PlanError.noReferenceBuyers(reference).description.contains("has no buyers"))
    }

    @Test("the catalogue analysis takes the same parameters, with costs inline and 万 targets")
    func catalogue() throws {
        let (_, _, snapshot) = try snapshot(of: planEvents)
        let report = try Analysis.planGap.run(snapshot, AnalysisArguments([
            "target": "0.2万", "campaign": "2026-11-01..2026-11-11", "costs": "A=10,I=40,P=100,new=30", "capacity": "A=10",
        ]))
        let plan = try #require(report as? GapPlan)
        #expect(plan.parametersUsed.targetFen == 200_000)
        #expect(plan.parametersUsed.asOf == oct31)  // the day before the campaign
        #expect(plan.allocation?.costFen == 21_000)
        #expect(throws: AnalysisError.self) { try Analysis.planGap.run(snapshot, AnalysisArguments(["campaign": "2026-11-01..2026-11-11"])) }
    }

    @Test("backtest: predicted against actual per group, worked out by hand")
    func backtest() throws {
        let (_, _, snapshot) = try snapshot(of: planEvents)
        let result = try GapBacktest.compute(snapshot, campaign: campaign)
        // Actual (stages as of 2026-10-31): c2 (A) pays ¥100, c8 (I) ¥300, c10 (new) ¥50.
        #expect(result.lines.map(\.actualBuyers) == [0, 1, 1, 0, 0, 1])
        #expect(result.lines.map(\.actualGMVFen) == [0, 10_000, 30_000, 0, 0, 5_000])
        #expect(result.lines.map(\.predictedBuyers) == [0, 1, 1, 4, 0, 1])
        #expect(result.lines.map(\.predictedGMVFen) == [0, 10_000, 15_000, 80_000, 0, 8_000])
        #expect(result.lines.map(\.actualConsumers) == [2, 2, 1, 4, 0, 1])
        // Errors: I GMV (150 - 300) / 300 = -50.0%; new GMV (80 - 50) / 50 = +60.0%;
        // total GMV (1130 - 450) / 450 = +151.1%; total buyers (7 - 3) / 3 = +133.3%.
        let text = result.rendered(as: .table)
        for expected in ["-50.0%", "+60.0%", "+151.1%", "+133.3%"] { #expect(text.contains(expected), "\(expected) missing") }
        #expect(GapBacktest.relativeError(0, 0) == "0.0%")
        #expect(GapBacktest.relativeError(5, 0) == "-")
    }

    @Test("a backtest needs data through the campaign")
    func backtestNeedsData() throws {
        let (_, _, snapshot) = try snapshot(of: planEvents)
        let later = DayRange(Day(year: 2026, month: 11, day: 10), Day(year: 2026, month: 11, day: 20))
        #expect(throws: PlanError.self) { try GapBacktest.compute(snapshot, campaign: later) }
    }
}
