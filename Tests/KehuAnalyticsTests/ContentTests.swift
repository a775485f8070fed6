import Foundation
import Testing
import KehuModel
import KehuStore
import KehuTesting
@testable import KehuAnalytics

@Suite("Content seeding (内容种草)")
struct ContentTests {
    static let period = DayRange(Day(year: 2026, month: 6, day: 10), Day(year: 2026, month: 6, day: 12))

    /// Period 2026-06-10 .. 06-12, purchase within 15 days (× 24 h), default AIPL rules; the stage
    /// is as of the day before the reference.
    ///
    /// Viewers (reference: first content_view in the period):
    ///   v1 impression 06-05 -> A. Views c1 06-10 12:00; pays 06-12: bought.
    ///   v2 impression 06-05 -> A. Views c1 06-11 12:00; never pays.
    ///   v3 cart 06-08 -> I. Views c2 06-10 09:00 and c1 06-11 09:00; pays 06-25 09:00, exactly
    ///      15 days after the first view: bought (the window end is inclusive).
    ///   v4 cart 06-08 -> I. Views c2 06-12 10:00; pays 06-27 10:01, 15 days and a minute later: not.
    ///   p1 paid order 05-01 -> P. Views c3 06-10; never pays again.
    /// Non-viewers (reference: first event in the period):
    ///   n1 impression 06-05 -> A; click 06-10 08:00; pays 06-11: bought.
    ///   n2, n3 impression 06-06 -> A; a view 06-11, 06-12 12:00; never pay.
    ///   n4 cart 06-01 -> I; view 06-10; never pays.
    ///   n5 favorite 06-09 -> I; pays 06-10 10:00 (the reference itself, not after it) and again
    ///      06-20: bought.
    ///   x1 a view on 06-26 only: not active in the period.
    ///
    /// A: viewers 2, 1 bought (50%); non-viewers 3, 1 bought (33.3%); lift 0.5 / (1/3) − 1 = +50%.
    /// I: viewers 2, 1 bought (50%); non-viewers 2, 1 bought (50%); lift 0.
    /// P: viewers 1, 0 bought; no non-viewers: no lift, and left out of the overall lift.
    /// Overall: viewers 5 (2 bought), non-viewers 5 (2 bought); matched viewers 4 (2 bought);
    ///   expected 2 × 1/3 + 2 × 1/2 = 1.6667; lift 2 / 1.6667 − 1 = +20%.
    /// Items (reference: the consumer's first view of the item):
    ///   c1: v1 (A, bought), v2 (A, not), v3 (06-11 09:00, stage as of 06-10 = I, pays 14 days later:
    ///       bought): 3 viewers, 2 bought; expected 2/3 + 1/2 = 1.1667; lift 2 / 1.1667 − 1 = +71.4%.
    ///   c2: v3 (I, bought on the boundary), v4 (I, not): 2 viewers, 1 bought; expected 1; lift 0.
    ///   c3: p1 (P): 1 viewer, no comparison.
    static let records: [EventRecord] = {
        func at(_ month: Int, _ d: Int, _ h: Int = 12, _ m: Int = 0) -> Int64 { TestClock.at(2026, month, d, hour: h, minute: m) }
        return [
            event("v1-0", at(6, 5), .impression, ["member:v1"]),
            event("v1-1", at(6, 10), .contentView, ["member:v1"], channel: "douyin", content: "c1"),
            event("v1-2", at(6, 12), .pay, ["member:v1"], order: "v1", amount: 100),
            event("v2-0", at(6, 5), .impression, ["member:v2"]),
            event("v2-1", at(6, 11), .contentView, ["member:v2"], channel: "douyin", content: "c1"),
            event("v3-0", at(6, 8), .cart, ["member:v3"]),
            event("v3-1", at(6, 10, 9), .contentView, ["member:v3"], channel: "douyin", content: "c2"),
            event("v3-2", at(6, 11, 9), .contentView, ["member:v3"], channel: "douyin", content: "c1"),
            event("v3-3", at(6, 25, 9), .pay, ["member:v3"], order: "v3", amount: 100),
            event("v4-0", at(6, 8), .cart, ["member:v4"]),
            event("v4-1", at(6, 12, 10), .contentView, ["member:v4"], channel: "douyin", content: "c2"),
            event("v4-2", at(6, 27, 10, 1), .pay, ["member:v4"], order: "v4", amount: 100),
            event("p1-0", at(5, 1), .pay, ["member:p1"], order: "p1", amount: 100),
            event("p1-1", at(6, 10), .contentView, ["member:p1"], channel: "douyin", content: "c3"),
            event("n1-0", at(6, 5), .impression, ["member:n1"]),
            event("n1-1", at(6, 10, 8), .click, ["member:n1"]),
            event("n1-2", at(6, 11), .pay, ["member:n1"], order: "n1", amount: 100),
            event("n2-0", at(6, 6), .impression, ["member:n2"]),
            event("n2-1", at(6, 11), .view, ["member:n2"]),
            event("n3-0", at(6, 6), .impression, ["member:n3"]),
            event("n3-1", at(6, 12, 12), .view, ["member:n3"]),
            event("n4-0", at(6, 1), .cart, ["member:n4"]),
            event("n4-1", at(6, 10), .view, ["member:n4"]),
            event("n5-0", at(6, 9), .favorite, ["member:n5"]),
            event("n5-1", at(6, 10, 10), .pay, ["member:n5"], order: "n5a", amount: 100),
            event("n5-2", at(6, 20), .pay, ["member:n5"], order: "n5b", amount: 100),
            event("x1-0", at(6, 26), .view, ["member:x1"]),
        ]
    }()

    @Test("purchase rates of viewers and same-stage non-viewers, lift per stage and stage-weighted")
    func perStage() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let r = ContentSeedingReport.compute(s, period: Self.period)
        #expect(r.stages.map(\.stage) == ["-", "A", "I", "P", "L"])
        #expect(r.stages.map(\.viewers) == [0, 2, 2, 1, 0])
        #expect(r.stages.map(\.viewerBuyers) == [0, 1, 1, 0, 0])
        #expect(r.stages.map(\.nonViewers) == [0, 3, 2, 0, 0])
        #expect(r.stages.map(\.nonViewerBuyers) == [0, 1, 1, 0, 0])
        #expect(abs(r.stages[1].lift! - 0.5) < 1e-12)
        #expect(r.stages[2].lift == 0)
        #expect(r.stages[3].lift == nil)
        let o = r.overall
        #expect([o.viewers, o.viewerBuyers, o.nonViewers, o.nonViewerBuyers, o.matchedViewers, o.matchedViewerBuyers] == [5, 2, 5, 2, 4, 2] as [Int])
        #expect(abs(o.expectedBuyers - 5.0 / 3.0) < 1e-12)
        #expect(abs(o.lift! - 0.2) < 1e-12)
        #expect(r.incompleteWindows == 0)
        let text = r.rendered(as: .table)
        #expect(text.contains("+50.0%"))
        #expect(text.contains("+20.0%"))
        #expect(text.contains("1 viewers are in stages without non-viewers"))
    }

    @Test("per content item: viewers at their first view of it, against the same stages' non-viewer rates")
    func perItem() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let r = ContentSeedingReport.compute(s, period: Self.period)
        #expect(r.itemCount == 3)
        #expect(r.items.map(\.content) == ["c1", "c2", "c3"])
        #expect(r.items.map(\.viewers) == [3, 2, 1])
        #expect(r.items.map(\.buyers) == [2, 1, 0])
        #expect(abs(r.items[0].comparison.expectedBuyers - (2.0 / 3.0 + 0.5)) < 1e-12)
        #expect(abs(r.items[0].comparison.lift! - (2 / (2.0 / 3.0 + 0.5) - 1)) < 1e-12)
        #expect(r.items[1].comparison.lift == 0)
        #expect(r.items[2].comparison.lift == nil && r.items[2].comparison.matchedViewers == 0)
        #expect(ContentSeedingReport.compute(s, period: Self.period, top: 1).items.map(\.content) == ["c1"])
    }

    /// Last day with data: 06-27 (v4's payment), so data ends at 06-28 00:00. With 16-day windows
    /// the references at or after 06-12 00:00 run past it: v4 (06-12 10:00) and n3 (06-12 12:00).
    /// v4's payment 15 days and a minute after its view is then within the window.
    @Test("windows running past the data are counted, and the window is a parameter")
    func windows() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let r = ContentSeedingReport.compute(s, period: Self.period, within: 16)
        #expect(r.incompleteWindows == 2)
        #expect(r.stages[2].viewerBuyers == 2)
        #expect(r.rendered(as: .table).contains("2 consumers' 16-day windows run past the last day with data"))
        let run = try Analysis.content.run(s, AnalysisArguments(["from": "2026-06-10", "to": "2026-06-12", "within": "16"]))
        #expect((run as? ContentSeedingReport)?.incompleteWindows == 2)
        #expect(throws: AnalysisError.self) { try Analysis.content.run(s, AnalysisArguments(["within": "0"])) }
    }

    @Test("on a generated brand, a plain recount from the definitions agrees with every figure")
    func generatedAgreesWithReference() throws {
        let (_, _, s) = try generatedSnapshot(consumers: 1_500, days: 400)
        let last = try #require(s.dataDays).last
        let period = DayRange(last.advanced(by: -59), last.advanced(by: -16))
        let r = ContentSeedingReport.compute(s, period: period, within: 15, top: 10_000)
        let ref = Self.reference(s, period: period, within: 15)
        #expect(r.stages.map(\.viewers) == ref.viewers)
        #expect(r.stages.map(\.viewerBuyers) == ref.viewerBuyers)
        #expect(r.stages.map(\.nonViewers) == ref.nonViewers)
        #expect(r.stages.map(\.nonViewerBuyers) == ref.nonViewerBuyers)
        #expect(r.overall.expectedBuyers == ref.expected(ref.viewers))
        #expect(r.itemCount == ref.items.count)
        for item in r.items {
            let expected = try #require(ref.items[item.content])
            #expect(item.viewers == expected.viewers.reduce(0, +), "\(item.content)")
            #expect(item.buyers == expected.buyers.reduce(0, +), "\(item.content)")
            #expect(item.comparison.expectedBuyers == ref.expected(expected.viewers), "\(item.content)")
        }
        #expect(r.incompleteWindows == 0)
        // The generated brand seeds with content: viewers in several stages, some who buy.
        #expect(r.stages.filter { $0.viewers > 0 }.count >= 3)
        #expect(r.overall.viewerBuyers > 0 && r.overall.lift != nil)
    }

    /// The definitions as plain loops; the stage of every consumer as of each day before a
    /// reference comes from the AIPL stages of that day.
    static func reference(_ s: Snapshot, period: DayRange, within: Int64) -> (
        viewers: [Int], viewerBuyers: [Int], nonViewers: [Int], nonViewerBuyers: [Int],
        items: [String: (viewers: [Int], buyers: [Int])], expected: ([Int]) -> Double
    ) {
        let start = s.zone.start(of: period.first)
        let end = s.zone.end(of: period.last)
        let window = within * 86_400_000
        var stagesAsOf: [Day: [AIPLStage]] = [:]
        for d in 0..<period.dayCount {
            let day = period.first.advanced(by: d - 1)
            stagesAsOf[day] = AIPLStages.compute(s, asOf: day)
        }
        func stage(_ c: Int, _ t0: Int64) -> Int { Int(stagesAsOf[s.zone.day(ofUTC: t0).advanced(by: -1)]![c].rawValue) }
        var viewers = [0, 0, 0, 0, 0], viewerBuyers = [0, 0, 0, 0, 0], nonViewers = [0, 0, 0, 0, 0], nonViewerBuyers = [0, 0, 0, 0, 0]
        var items: [String: (viewers: [Int], buyers: [Int])] = [:]
        for c in 0..<s.consumerCount {
            let rows = s.events(of: c)
            let inPeriod = rows.filter { s.ts[$0] >= start && s.ts[$0] < end }
            guard let first = inPeriod.first else { continue }
            let pays = rows.filter { s.kind[$0] == .pay }.map { s.ts[$0] }
            func bought(_ t0: Int64) -> Bool { pays.contains { $0 > t0 && $0 <= t0 + window } }
            let views = inPeriod.filter { s.kind[$0] == .contentView }
            if let firstView = views.first {
                let t0 = s.ts[firstView]
                viewers[stage(c, t0)] += 1
                if bought(t0) { viewerBuyers[stage(c, t0)] += 1 }
                var seen: Set<String> = []
                for v in views {
                    guard let item = s.value(.content, v), !seen.contains(item) else { continue }
                    seen.insert(item)
                    var entry = items[item] ?? ([0, 0, 0, 0, 0], [0, 0, 0, 0, 0])
                    entry.viewers[stage(c, s.ts[v])] += 1
                    if bought(s.ts[v]) { entry.buyers[stage(c, s.ts[v])] += 1 }
                    items[item] = entry
                }
            } else {
                let t0 = s.ts[first]
                nonViewers[stage(c, t0)] += 1
                if bought(t0) { nonViewerBuyers[stage(c, t0)] += 1 }
            }
        }
        let rates = (0..<5).map { nonViewers[$0] == 0 ? nil : Double(nonViewerBuyers[$0]) / Double(nonViewers[$0]) }
        func expected(_ counts: [Int]) -> Double {
            var sum = 0.0
            for k in 0..<5 { if let rate = rates[k] { sum += Double(counts[k]) * rate } }
            return sum
        }
        return (viewers, viewerBuyers, nonViewers, nonViewerBuyers, items, expected)
    }
}
