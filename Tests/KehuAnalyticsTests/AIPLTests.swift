import Testing
import KehuModel
import KehuStore
import KehuTesting
@testable import KehuAnalytics

@Suite("AIPL consumer assets")
struct AIPLTests {
    static let d = Day(year: 2026, month: 6, day: 30)

    /// As of D = 2026-06-30 (Asia/Shanghai), default rules: A and I windows 06-16..06-30, P window
    /// 2025-07-01..2026-06-30.
    ///
    /// | consumer | events | stage as of D |
    /// |---|---|---|
    /// | member:1 | view 06-16 (14 days before D: first day of the window) | A |
    /// | member:2 | view 06-15 (15 days before: outside) | none |
    /// | member:3 | cart 06-16 | I |
    /// | member:4 | cart 06-15 (outside), view 06-20 | A |
    /// | member:5 | pay o5 2025-07-01 (D-364, 365th day of the window) | P |
    /// | member:6 | pay o6 2025-06-30 (D-365, 366th day: outside) | none |
    /// | member:7 | pay o7 ¥100, refund ¥100 (full) 05-01, cart 06-20 | I (not a purchase) |
    /// | member:8 | pay o8 ¥100, refund ¥30 (partial) | P |
    /// | member:9 | pay o9 ¥100 06-01, refund ¥100 on 07-02 (after D), view 07-02 | P (none as of 07-02) |
    /// | member:10 | review 05-01, then pay o10 05-10 | P (review before the purchase) |
    /// | member:11 | pay o11 05-10, review 05-20 | L |
    /// | member:12 | pay o12a 03-01, pay o12b 06-01 | L (two paid orders) |
    /// | member:13 | view 06-20, cart 06-21, pay o13 06-22 | P (deepest stage) |
    /// | member:14 | pay o14a 04-01 refunded in full 04-02, share 04-10, pay o14b 05-01 | P (the share came before the only purchase) |
    /// | member:15 | share 06-22 (no purchase), view 06-22 | A (a share is L only after a purchase) |
    ///
    /// Counts as of D: none 2 (m2, m6), A 3 (m1, m4, m15), I 2 (m3, m7), P 6 (m5, m8, m9, m10, m13, m14),
    /// L 2 (m11, m12); assets 13.
    static let records: [EventRecord] = [
        event("1", TestClock.at(2026, 6, 16, hour: 0), .view, ["member:1"]),
        event("2", TestClock.at(2026, 6, 15, hour: 23, minute: 59), .view, ["member:2"]),
        event("3", TestClock.at(2026, 6, 16, hour: 0), .cart, ["member:3"]),
        event("4a", TestClock.at(2026, 6, 15), .cart, ["member:4"]),
        event("4b", TestClock.at(2026, 6, 20), .view, ["member:4"]),
        event("5", TestClock.at(2025, 7, 1, hour: 0), .pay, ["member:5"], order: "o5", amount: 10_000),
        event("6", TestClock.at(2025, 6, 30, hour: 23, minute: 59), .pay, ["member:6"], order: "o6", amount: 10_000),
        event("7a", TestClock.at(2026, 5, 1), .pay, ["member:7"], order: "o7", amount: 10_000),
        event("7b", TestClock.at(2026, 5, 1, hour: 13), .refund, ["member:7"], order: "o7", amount: 10_000),
        event("7c", TestClock.at(2026, 6, 20), .cart, ["member:7"]),
        event("8a", TestClock.at(2026, 5, 1), .pay, ["member:8"], order: "o8", amount: 10_000),
        event("8b", TestClock.at(2026, 5, 2), .refund, ["member:8"], order: "o8", amount: 3_000),
        event("9a", TestClock.at(2026, 6, 1), .pay, ["member:9"], order: "o9", amount: 10_000),
        event("9b", TestClock.at(2026, 7, 2), .refund, ["member:9"], order: "o9", amount: 10_000),
        event("9c", TestClock.at(2026, 7, 2, hour: 13), .view, ["member:9"]),
        event("10a", TestClock.at(2026, 5, 1), .review, ["member:10"]),
        event("10b", TestClock.at(2026, 5, 10), .pay, ["member:10"], order: "o10", amount: 10_000),
        event("11a", TestClock.at(2026, 5, 10), .pay, ["member:11"], order: "o11", amount: 10_000),
        event("11b", TestClock.at(2026, 5, 20), .review, ["member:11"]),
        event("12a", TestClock.at(2026, 3, 1), .pay, ["member:12"], order: "o12a", amount: 10_000),
        event("12b", TestClock.at(2026, 6, 1), .pay, ["member:12"], order: "o12b", amount: 10_000),
        event("13a", TestClock.at(2026, 6, 20), .view, ["member:13"]),
        event("13b", TestClock.at(2026, 6, 21), .cart, ["member:13"]),
        event("13c", TestClock.at(2026, 6, 22), .pay, ["member:13"], order: "o13", amount: 10_000),
        event("14a", TestClock.at(2026, 4, 1), .pay, ["member:14"], order: "o14a", amount: 10_000),
        event("14b", TestClock.at(2026, 4, 2), .refund, ["member:14"], order: "o14a", amount: 10_000),
        event("14c", TestClock.at(2026, 4, 10), .share, ["member:14"]),
        event("14d", TestClock.at(2026, 5, 1), .pay, ["member:14"], order: "o14b", amount: 10_000),
        event("15a", TestClock.at(2026, 6, 22), .share, ["member:15"]),
        event("15b", TestClock.at(2026, 6, 22, hour: 13), .view, ["member:15"]),
    ]

    /// The dense index of the consumer holding `key`.
    static func dense(_ key: String, _ workspace: Workspace, _ snapshot: Snapshot) throws -> Int {
        let identity = try #require(try ConsumerIdentity.lookup(try IdentityKey.parse(key), in: workspace))
        return try #require(snapshot.denseIndex(ofConsumer: identity.consumerID))
    }

    @Test("every stage boundary: window edges, refunds in full and in part, refunds after the day, reviews before and after the purchase")
    func boundaries() throws {
        let (_, workspace, s) = try snapshot(of: Self.records)
        let stages = AIPLStages.compute(s, asOf: Self.d)
        let expected: [Int: AIPLStage] = [
            1: .aware, 2: .none, 3: .interested, 4: .aware, 5: .purchased, 6: .none, 7: .interested, 8: .purchased,
            9: .purchased, 10: .purchased, 11: .loyal, 12: .loyal, 13: .purchased, 14: .purchased, 15: .aware,
        ]
        for (n, stage) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(stages[try Self.dense("member:\(n)", workspace, s)] == stage, "member:\(n)")
        }
        #expect(AIPLStages.counts(s, asOf: Self.d) == [2, 3, 2, 6, 2])
        let report = AIPLReport.compute(s, asOf: Self.d)
        #expect(report.assets == 13)
        #expect(report.counts.map(\.consumers) == [2, 3, 2, 6, 2])
        // The single-consumer entry point agrees.
        let w = AIPLRules.standard.windows(asOf: Self.d, in: AnalysisCalendar(s))
        let m11 = try Self.dense("member:11", workspace, s)
        #expect(
            AIPLStages.stage(
                s, PurchaseIndex.of(s), consumer: m11, aStart: w.aStart, iStart: w.iStart, pStart: w.pStart, end: w.end,
                rules: .standard) == .loyal)
    }

    @Test("a refund after the day counts from its day on; windows move with the day")
    func laterDays() throws {
        let (_, workspace, s) = try snapshot(of: Self.records)
        // As of 07-02, o9 is refunded in full: member:9 has only the view of 07-02 -> A.
        let july2 = AIPLStages.compute(s, asOf: Day(year: 2026, month: 7, day: 2))
        #expect(july2[try Self.dense("member:9", workspace, s)] == .aware)
        // As of 07-01 the view of member:1 (06-16) is 16 days old: none. member:5's o5 (2025-07-01)
        // is out of the P window as of 2026-07-01: none.
        let july1 = AIPLStages.compute(s, asOf: Day(year: 2026, month: 7, day: 1))
        #expect(july1[try Self.dense("member:1", workspace, s)] == .none)
        #expect(july1[try Self.dense("member:5", workspace, s)] == .none)
        // Before its first event a consumer is none; the view at 00:00 on 06-16 counts as of 06-16.
        let june15 = AIPLStages.compute(s, asOf: Day(year: 2026, month: 6, day: 15))
        #expect(june15[try Self.dense("member:1", workspace, s)] == .none)
        #expect(AIPLStages.compute(s, asOf: Day(year: 2026, month: 6, day: 16))[try Self.dense("member:1", workspace, s)] == .aware)
        // A wider A window (16 days) takes in member:2's view of 06-15; l-orders 3 makes member:12 P.
        let wide = AIPLStages.compute(s, asOf: Self.d, rules: AIPLRules(awarenessDays: 16, loyalOrders: 3))
        #expect(wide[try Self.dense("member:2", workspace, s)] == .aware)
        #expect(wide[try Self.dense("member:12", workspace, s)] == .purchased)
    }

    @Test("the trend equals a per-day computation at every point, daily and weekly")
    func trendMatchesPerDay() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let daily = TrendSamples(.day, period: DayRange(Day(year: 2026, month: 4, day: 25), Day(year: 2026, month: 7, day: 3)))
        let report = AIPLTrendReport.compute(s, samples: daily)
        #expect(report.days.count == 70)
        for (k, day) in report.days.enumerated() {
            let counts = AIPLStages.counts(s, asOf: day)
            #expect(report.series.map { $0.values[k] } == Array(counts[1...]), "\(day)")
            #expect(report.none[k] == counts[0])
            #expect(report.assets[k] == counts[1...].reduce(0, +))
        }
        // 2026-06-30 is a Tuesday: weeks as of Sundays 06-14, 06-21, 06-28, then 06-30 (cut at the period end).
        let weekly = TrendSamples(.week, period: DayRange(Day(year: 2026, month: 6, day: 8), Self.d))
        #expect(weekly.days.map(\.description) == ["2026-06-14", "2026-06-21", "2026-06-28", "2026-06-30"])
        #expect(weekly.points.map(\.week) == ["2026-W24", "2026-W25", "2026-W26", "2026-W27"])
        let byWeek = AIPLTrendReport.compute(s, samples: weekly)
        #expect(byWeek.series.map { $0.values[3] } == [3, 2, 6, 2])
    }

    @Test("ISO weeks: week 1 holds the first Thursday")
    func isoWeeks() {
        #expect(TrendSamples.isoWeek(Day(year: 2026, month: 1, day: 1)) == "2026-W01")  // a Thursday
        #expect(TrendSamples.isoWeek(Day(year: 2021, month: 1, day: 3)) == "2020-W53")  // a Sunday
        #expect(TrendSamples.isoWeek(Day(year: 2024, month: 12, day: 30)) == "2025-W01")  // a Monday
    }

    /// Flow from 2026-05-15 to D on the records above. As of 05-15 (A/I windows 05-01..05-15, P
    /// window 2025-05-16..2026-05-15): P are member:5 (o5), member:6 (o6 2025-06-30 is still in the
    /// window), member:8, member:10 (the review came first), member:11 (its review comes on 05-20),
    /// member:12 (o12a) and member:14 (o14b); member:7's only order is refunded in full and the
    /// others have no event in the windows: none (8: m1, m2, m3, m4, m7, m9, m13, m15).
    ///
    /// From none: m2 stays; m1, m4, m15 -> A; m3, m7 -> I; m9, m13 -> P: [1, 3, 2, 2, 0].
    /// From P: m5, m8, m10, m14 stay; m11, m12 -> L (review, second order); m6 -> none (o6 left the
    /// window): [1, 0, 0, 4, 2], so P: start 7 = stayed 4 + converted out 2 + churned 1.
    static let flowMatrix = [
        [1, 3, 2, 2, 0],
        [0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0],
        [1, 0, 0, 4, 2],
        [0, 0, 0, 0, 0],
    ]

    @Test("flow matrix by hand, and stayed + converted out + churned = start for every stage")
    func flow() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let report = AIPLFlowReport.compute(s, from: Day(year: 2026, month: 5, day: 15), to: Self.d)
        #expect(report.matrix == Self.flowMatrix)
        let p = report.stages[3]
        #expect((p.start, p.stayed, p.convertedOut, p.churned, p.end) == (7, 4, 2, 1, 6))
        let none = report.stages[0]
        #expect((none.start, none.stayed, none.convertedOut, none.churned, none.end) == (8, 1, 7, 0, 2))
        for row in report.stages { #expect(row.stayed + row.convertedOut + row.churned == row.start, "\(row.stage)") }
        // Backwards (D to 05-15) everything that converted now churns.
        let back = AIPLFlowReport.compute(s, from: Self.d, to: Day(year: 2026, month: 5, day: 15))
        #expect(back.stages[4].churned == 2)
        #expect(back.stages[1].churned == 3)
        for row in back.stages { #expect(row.stayed + row.convertedOut + row.churned == row.start) }
        #expect(report.tables()[1].rows[3].contains("28.6%"))  // P: 2 of 7 converted out
    }

    /// By category, as of D:
    /// - member:1: view in `skin` 06-20, cart in `hair` 06-21 -> skin A, hair I
    /// - member:2: pay o21 in `skin` 06-01, review in `hair` 06-05 -> skin P (the review is not in skin), hair none
    /// - member:3: pay o31 with two payments in `skin` and `hair` 06-01 and 06-02, review in `hair` 06-10
    ///   -> skin P, hair L (review in hair after the hair payment)
    /// - member:4: pay o41 in `skin` 05-01, pay o42 in `skin` 06-01 -> skin L; o41 and o42 each once
    /// - member:5: pay o51 with two payments in `hair` -> hair P (one order, not two)
    /// skin: A 1 (m1), P 2 (m2, m3), L 1 (m4); hair: I 1 (m1), P 1 (m5), L 1 (m3); none = 5 - assets.
    static let categoryRecords: [EventRecord] = [
        event("1a", TestClock.at(2026, 6, 20), .view, ["member:1"], category: "skin"),
        event("1b", TestClock.at(2026, 6, 21), .cart, ["member:1"], category: "hair"),
        event("2a", TestClock.at(2026, 6, 1), .pay, ["member:2"], order: "o21", amount: 5_000, category: "skin"),
        event("2b", TestClock.at(2026, 6, 5), .review, ["member:2"], category: "hair"),
        event("3a", TestClock.at(2026, 6, 1), .pay, ["member:3"], order: "o31", amount: 5_000, category: "skin"),
        event("3b", TestClock.at(2026, 6, 2), .pay, ["member:3"], order: "o31", amount: 2_000, category: "hair"),
        event("3c", TestClock.at(2026, 6, 10), .review, ["member:3"], category: "hair"),
        event("4a", TestClock.at(2026, 5, 1), .pay, ["member:4"], order: "o41", amount: 5_000, category: "skin"),
        event("4b", TestClock.at(2026, 6, 1), .pay, ["member:4"], order: "o42", amount: 5_000, category: "skin"),
        event("5a", TestClock.at(2026, 6, 1), .pay, ["member:5"], order: "o51", amount: 5_000, category: "hair"),
        event("5b", TestClock.at(2026, 6, 2), .pay, ["member:5"], order: "o51", amount: 5_000, category: "hair"),
    ]

    @Test("by category: each category's stages from its own events")
    func byCategory() throws {
        let (_, _, s) = try snapshot(of: Self.categoryRecords)
        let report = AIPLCategoryReport.compute(s, asOf: Self.d)
        #expect(report.categories.map(\.category) == ["skin", "hair"])
        let skin = report.categories[0]
        #expect([skin.aware, skin.interested, skin.purchased, skin.loyal, skin.assets] == [1, 0, 2, 1, 4])
        let hair = report.categories[1]
        #expect([hair.aware, hair.interested, hair.purchased, hair.loyal, hair.assets] == [0, 1, 1, 1, 3])
        let raw = AIPLStages.countsByCategory(s, asOf: Self.d)
        let skinCode = try #require((1..<raw.count).first { s.dictionaries[EventField.category.rawValue].string(UInt32($0)) == "skin" })
        #expect(raw[skinCode] == [1, 1, 0, 2, 1])
        // Overall: m1 I, m2 L (review after the purchase), m3 L, m4 L, m5 P.
        #expect(AIPLStages.counts(s, asOf: Self.d) == [0, 0, 1, 1, 3])
    }

    @Test("with every event in one category, the category's stages are the brand's")
    func oneCategoryIsTheBrand() throws {
        let records = Self.records.map { r -> EventRecord in
            var r = r
            r.category = "all"
            return r
        }
        let (_, _, s) = try snapshot(of: records)
        let report = AIPLCategoryReport.compute(s, asOf: Self.d)
        let all = try #require(report.categories.first)
        #expect([0, all.aware, all.interested, all.purchased, all.loyal] == [0] + AIPLStages.counts(s, asOf: Self.d)[1...])
    }
}
