import Testing
import KehuModel
import KehuStore
import KehuTesting
@testable import KehuAnalytics

@Suite("FAST consumer health")
struct FASTTests {
    static let d = Day(year: 2026, month: 6, day: 30)

    /// As of D = 2026-06-30 with a 30-day period (stages at its start are as of 05-31) and a
    /// 180-day active window (2026-01-02..06-30). A/I windows: 05-17..05-31 and 06-16..06-30.
    ///
    /// | consumer | events | at 05-31 | at D | member | active |
    /// |---|---|---|---|---|---|
    /// | member:1 | view 05-25, cart 06-20 | A | I (advancing) | | |
    /// | member:2 | cart 05-25 | I | none | | |
    /// | member:3 | pay 05-01, pay 06-10 | P | L (advancing) | | |
    /// | member:4 | pay 01-10, pay 02-10 | L | L (not in the base) | | |
    /// | member:5 | view 06-25 | none | A (not in the base) | | |
    /// | member:6 | join 01-01, favorite 01-05 | none | none | yes | yes (01-05 in the window) |
    /// | member:7 | join 2025-12-01, points 01-01, view 06-29 | none | A | yes | no (01-01 is day 181) |
    /// | member:8 | join 03-01, leave 05-01, cart 06-01 | none | none | no (left) | |
    /// | member:9 | join 03-01, leave 03-05, join 04-01, coupon_claim 06-29 | none | I | yes | yes |
    /// | member:10 | join and leave at the same instant 06-01 | none | none | no (the leave wins) | |
    /// | member:11 | join 06-20 | none | I | yes | no (joining is not activity) |
    /// | member:12 | join 02-01, pay 03-01 | P | P (stayed) | yes | yes (a purchase) |
    /// | member:13 | join 07-05 (after D) | none | none | no | |
    ///
    /// F = A 2 (m5, m7) + I 3 (m1, m9, m11) + P 1 (m12) + L 2 (m3, m4) = 8.
    /// A: base = A/I/P at 05-31 = m1, m2, m3, m12 = 4; deeper at D: m1, m3 = 2 -> 50.0%.
    /// S = m6, m7, m9, m11, m12 = 5. T = m6, m9, m12 = 3 of 5 -> 60.0%.
    static let records: [EventRecord] = [
        event("1a", TestClock.at(2026, 5, 25), .view, ["member:1"]),
        event("1b", TestClock.at(2026, 6, 20), .cart, ["member:1"]),
        event("2a", TestClock.at(2026, 5, 25), .cart, ["member:2"]),
        event("3a", TestClock.at(2026, 5, 1), .pay, ["member:3"], order: "o3a", amount: 1_000),
        event("3b", TestClock.at(2026, 6, 10), .pay, ["member:3"], order: "o3b", amount: 1_000),
        event("4a", TestClock.at(2026, 1, 10), .pay, ["member:4"], order: "o4a", amount: 1_000),
        event("4b", TestClock.at(2026, 2, 10), .pay, ["member:4"], order: "o4b", amount: 1_000),
        event("5a", TestClock.at(2026, 6, 25), .view, ["member:5"]),
        event("6a", TestClock.at(2026, 1, 1), .memberJoin, ["member:6"]),
        event("6b", TestClock.at(2026, 1, 5), .favorite, ["member:6"]),
        event("7a", TestClock.at(2025, 12, 1), .memberJoin, ["member:7"]),
        event("7b", TestClock.at(2026, 1, 1), .points, ["member:7"]),
        event("7c", TestClock.at(2026, 6, 29), .view, ["member:7"]),
        event("8a", TestClock.at(2026, 3, 1), .memberJoin, ["member:8"]),
        event("8b", TestClock.at(2026, 5, 1), .memberLeave, ["member:8"]),
        event("8c", TestClock.at(2026, 6, 1), .cart, ["member:8"]),
        event("9a", TestClock.at(2026, 3, 1), .memberJoin, ["member:9"]),
        event("9b", TestClock.at(2026, 3, 5), .memberLeave, ["member:9"]),
        event("9c", TestClock.at(2026, 4, 1), .memberJoin, ["member:9"]),
        event("9d", TestClock.at(2026, 6, 29), .couponClaim, ["member:9"]),
        event("10a", TestClock.at(2026, 6, 1), .memberJoin, ["member:10"]),
        event("10b", TestClock.at(2026, 6, 1), .memberLeave, ["member:10"]),
        event("11a", TestClock.at(2026, 6, 20), .memberJoin, ["member:11"]),
        event("12a", TestClock.at(2026, 2, 1), .memberJoin, ["member:12"]),
        event("12b", TestClock.at(2026, 3, 1), .pay, ["member:12"], order: "o12", amount: 1_000),
        event("13a", TestClock.at(2026, 7, 5), .memberJoin, ["member:13"]),
    ]

    @Test("F, A, S and T by hand, with member leave and the advancing base without L and none")
    func figures() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let f = FASTReport.compute(s, asOf: Self.d).figures
        #expect(f.periodStart == Day(year: 2026, month: 5, day: 31))
        #expect([f.fertility, f.aware, f.interested, f.purchased, f.loyal] == [8, 2, 3, 1, 2])
        #expect((f.advancingConsumers, f.advancingBase) == (2, 4))
        #expect(f.advancingRate == 0.5)
        #expect((f.members, f.activeMembers) == (5, 3))
        #expect(f.thrivingRate == 0.6)
        let text = FASTReport.compute(s, asOf: Self.d).rendered(as: .table)
        #expect(text.contains("50.0%"))
        #expect(text.contains("60.0%"))
        #expect(text.contains("2 / 4"))
        // A 181-day window takes in member:7's points on 01-01.
        let wide = FASTFigures.compute(s, at: [Self.d], rules: FASTRules(activeDays: 181))[0]
        #expect(wide.activeMembers == 4)
        // As of 07-05 member:13 has joined.
        #expect(FASTFigures.compute(s, at: [Day(year: 2026, month: 7, day: 5)])[0].members == 6)
        // As of 03-02 member:8 is still a member; as of 03-05 member:9 has left.
        let march = FASTFigures.compute(s, at: [Day(year: 2026, month: 3, day: 5), Day(year: 2026, month: 3, day: 2)])
        #expect(march.map(\.members) == [4, 5])  // 03-05: m6, m7, m8, m12; 03-02: and m9
    }

    @Test("A counts the same consumers as the flow from the period start: converted out of A, I and P")
    func advancingIsTheFlow() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let f = FASTReport.compute(s, asOf: Self.d).figures
        let flow = AIPLFlowReport.compute(s, from: f.periodStart, to: Self.d)
        #expect(f.advancingConsumers == flow.stages[1...3].map(\.convertedOut).reduce(0, +))
        #expect(f.advancingBase == flow.stages[1...3].map(\.start).reduce(0, +))
    }

    @Test("the trend equals the figures computed one day at a time")
    func trend() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let samples = TrendSamples(.week, period: DayRange(Day(year: 2026, month: 4, day: 1), Day(year: 2026, month: 7, day: 8)))
        let report = FASTTrendReport.compute(s, samples: samples)
        #expect(report.points.count == samples.points.count)
        for (k, day) in samples.days.enumerated() {
            #expect(report.points[k] == FASTFigures.compute(s, at: [day])[0], "\(day)")
        }
        #expect(report.tables()[0].rows.count == samples.points.count)
    }

    @Test("the catalogue analysis takes period-days and active-days and rejects unknown parameters")
    func analysis() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let report = try Analysis.fast.run(s, AnalysisArguments(["as-of": "2026-06-30", "active-days": "181"]))
        #expect((report as? FASTReport)?.figures.activeMembers == 4)
        #expect(throws: AnalysisError.self) { try Analysis.fast.run(s, AnalysisArguments(["period": "30"])) }
        #expect(throws: AnalysisError.self) { try Analysis.fast.run(s, AnalysisArguments(["period-days": "0"])) }
        let trend = try Analysis.fastTrend.run(s, AnalysisArguments(["trend": "day", "from": "2026-06-01", "to": "2026-06-30"]))
        #expect((trend as? FASTTrendReport)?.points.count == 30)
    }
}

@Suite("AIPL and FAST on a generated brand against a plain reference")
struct AIPLGeneratedTests {
    @Test("stages as of three days, flows, trends, categories and FAST agree with the reference")
    func matchesReference() throws {
        let (_, _, s) = try generatedSnapshot(consumers: 1_500, days: 400)
        let last = try #require(s.dataDays).last
        let reference = AIPLReference(snapshot: s)
        let days = [last, last.advanced(by: -45), last.advanced(by: -200)]
        for day in days {
            let counts = AIPLStages.counts(s, asOf: day)
            #expect(counts == reference.counts(asOf: day), "\(day)")
            #expect(counts[1...].allSatisfy { $0 > 0 }, "every stage is populated on \(day)")
        }
        // Per consumer, not only in total.
        let stages = AIPLStages.compute(s, asOf: last)
        var mismatches = 0
        for c in 0..<s.consumerCount where stages[c] != reference.stage(reference.events(of: c), asOf: last) { mismatches += 1 }
        #expect(mismatches == 0)

        #expect(AIPLFlowReport.compute(s, from: last.advanced(by: -60), to: last).matrix == reference.flow(from: last.advanced(by: -60), to: last))
        #expect(AIPLFlowReport.compute(s, from: days[2], to: days[1]).matrix == reference.flow(from: days[2], to: days[1]))

        let trend = AIPLTrendReport.compute(s, samples: TrendSamples(.day, period: DayRange(last.advanced(by: -20), last)))
        for (k, day) in trend.days.enumerated() {
            #expect([trend.none[k]] + trend.series.map { $0.values[k] } == AIPLStages.counts(s, asOf: day), "\(day)")
        }

        let byCategory = AIPLStages.countsByCategory(s, asOf: last)
        let names = s.dictionaries[EventField.category.rawValue]
        #expect(byCategory.count > 2)
        for code in 1..<byCategory.count {
            let name = try #require(names.string(UInt32(code)))
            var tally = [0, 0, 0, 0, 0]
            for c in 0..<s.consumerCount { tally[Int(reference.stage(reference.events(of: c), asOf: last, category: name).rawValue)] += 1 }
            #expect(byCategory[code] == tally, "\(name)")
        }

        for day in [last, last.advanced(by: -90)] {
            let f = FASTFigures.compute(s, at: [day])[0]
            #expect([f.fertility, f.advancingConsumers, f.advancingBase, f.members, f.activeMembers] == reference.fast(asOf: day), "\(day)")
            #expect(f.members > 0 && f.advancingBase > 0)
        }
    }
}
