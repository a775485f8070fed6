import KehuModel
import KehuStore
import KehuTesting
import Testing
@testable import KehuActivation

@Suite struct ReachScheduleTests {
    // MARK: Frequency caps

    @Test func capCountsEveryRunOfDaysThatHoldsTheSend() {
        let cap = FrequencyCap(sends: 1, days: 7)
        let june10 = Day(year: 2026, month: 6, day: 10)
        // A send on June 10: every day within 6 days of it shares a 7-day run with it.
        #expect(!cap.allows(Day(year: 2026, month: 6, day: 4), existing: [june10]))
        #expect(cap.allows(Day(year: 2026, month: 6, day: 3), existing: [june10]))
        #expect(!cap.allows(Day(year: 2026, month: 6, day: 16), existing: [june10]))
        #expect(cap.allows(Day(year: 2026, month: 6, day: 17), existing: [june10]))
        // 2/7d with sends on June 10 and June 17: no 7-day run holds both (June 10-16 and
        // June 11-17 hold one each), so June 12 is allowed; June 14 too; a third send on June
        // 13 would make June 10-16 hold June 10, 13 and the new one.
        let two = FrequencyCap(sends: 2, days: 7)
        let june17 = Day(year: 2026, month: 6, day: 17)
        #expect(two.allows(Day(year: 2026, month: 6, day: 12), existing: [june10, june17]))
        #expect(!two.allows(Day(year: 2026, month: 6, day: 12), existing: [june10, Day(year: 2026, month: 6, day: 13), june17]))
        #expect(two.firstAllowedDay(in: DayRange(june10, june10), existing: [june10, june10]) == nil)
    }

    /// Four consumers (buyer b1..b4, catalogue ids 1-4), each with three views at 20:00 on
    /// June 1-3, so each one's best hour is 20:00.
    static func fourConsumers() throws -> (TemporaryDirectory, Workspace, Snapshot) {
        var records: [EventRecord] = []
        for n in 1...4 {
            for day in 1...3 {
                records.append(event("v\(n)-\(day)", TestClock.at(2026, 6, day, hour: 20), .view, ["buyer:b\(n)"]))
            }
        }
        return try snapshot(of: records)
    }

    static func plan(_ name: String, _ first: Int, _ last: Int, cap: FrequencyCap, holdout: Double, seed: UInt64 = 1) -> ReachPlan {
        ReachPlan(
            name: name, audience: "all", content: "coupon-618", channel: .tmall,
            window: SendWindow(days: DayRange(Day(year: 2026, month: 6, day: first), Day(year: 2026, month: 6, day: last))),
            cap: cap, holdoutShare: holdout, seed: seed, asOf: Day(year: 2026, month: 6, day: 3))
    }

    @Test func capsAcrossOverlappingPlans() throws {
        let (dir, workspace, snapshot) = try Self.fourConsumers()
        defer { _ = dir }
        #expect(snapshot.consumerIDs == [1, 2, 3, 4])
        let everyone = ConsumerSet.all(capacity: 4)
        let nobody = ConsumerSet(capacity: 4)
        let asOf = Day(year: 2026, month: 6, day: 3)
        func run(_ plan: ReachPlan, dryRun: Bool = false) throws -> ReachSchedule {
            try ReachStore.define(plan, in: workspace)
            return try ReachRun.schedule(plan, snapshot: snapshot, asOf: asOf, audience: everyone, suppressed: nobody, in: workspace, dryRun: dryRun)
        }
        func at(_ day: Int) -> Int64 { TestClock.at(2026, 6, day, hour: 20) }

        // Plan A, June 10-12, cap 1/7d, 10% holdout with seed 9. The draws of ids 1-4 under
        // seed 9 are 0.830, 0.062, 0.888, 0.919 (Holdout.draw): only id 2 is below 0.1.
        // Nothing else is scheduled, so all go on June 10 at 20:00; id 2 is held out.
        let a = try run(Self.plan("A", 10, 12, cap: FrequencyCap(sends: 1, days: 7), holdout: 0.1, seed: 9))
        #expect(a.sends.map(\.holdout) == [false, true, false, false])
        #expect(a.sends.allSatisfy { $0.sendAt == at(10) && $0.ownHour })
        #expect((a.scheduled, a.holdout, a.capped) == (3, 1, 0))
        #expect(a.sends.map(\.channelKey) == ["buyer:b1", "buyer:b2", "buyer:b3", "buyer:b4"])

        // Plan B, June 12-20, cap 1/7d, no holdout: ids 1, 3, 4 were sent on June 10, so June
        // 11-16 share a 7-day run with it and their first allowed day is June 17. Id 2 was only
        // held out (never sent), so June 12 is free.
        let b = try run(Self.plan("B", 12, 20, cap: FrequencyCap(sends: 1, days: 7), holdout: 0))
        #expect(b.sends.map(\.sendAt) == [at(17), at(12), at(17), at(17)])
        #expect((b.scheduled, b.holdout, b.capped) == (4, 0, 0))

        // Plan C, June 12-14, cap 1/7d: ids 1, 3, 4 have June 10 (and 17) within 6 days of
        // every window day; id 2 has June 12 from B. All four are capped.
        let c = try run(Self.plan("C", 12, 14, cap: FrequencyCap(sends: 1, days: 7), holdout: 0), dryRun: true)
        #expect((c.capped, c.scheduled, c.sends.count) == (4, 0, 0))

        // Plan D, June 12-20, cap 2/7d: ids 1, 3, 4 have June 10 and June 17, which no 7-day
        // run holds together, so June 12 is allowed; id 2 has one send (June 12) in any run.
        let d = try run(Self.plan("D", 12, 20, cap: FrequencyCap(sends: 2, days: 7), holdout: 0))
        #expect(d.sends.map(\.sendAt) == [at(12), at(12), at(12), at(12)])

        // The stored schedule matches, and a plan's own sends never cap itself: planning B
        // again (D's June 12 sends now exist) moves ids 1, 3, 4 later still.
        let stored = try ReachStore.sends(of: "A", in: workspace)
        #expect(stored.map(\.status) == [.scheduled, .holdout, .scheduled, .scheduled])
        let again = try ReachRun.schedule(
            Self.plan("B", 12, 20, cap: FrequencyCap(sends: 1, days: 7), holdout: 0), snapshot: snapshot, asOf: asOf,
            audience: everyone, suppressed: nobody, in: workspace, dryRun: true)
        // Ids 1, 3, 4: June 10 (A) and June 12 (D) -> first day with no send within 6 days is June 19.
        // Id 2: June 12 (D) -> June 19 too.
        #expect(again.sends.map(\.sendAt) == [at(19), at(19), at(19), at(19)])
    }

    @Test func suppressedAndKeylessConsumersAreCountedInOrder() throws {
        // b1..b3 have buyer keys; the fourth consumer only an openid, so Tmall cannot reach them.
        var records: [EventRecord] = []
        for (n, key) in ["buyer:b1", "buyer:b2", "buyer:b3", "openid:o4"].enumerated() {
            records.append(event("v\(n)", TestClock.at(2026, 6, 1, hour: 12), .view, [key]))
        }
        let (dir, workspace, snapshot) = try snapshot(of: records)
        defer { _ = dir }
        let plan = Self.plan("S", 10, 12, cap: FrequencyCap(sends: 1, days: 7), holdout: 0)
        try ReachStore.define(plan, in: workspace)
        let b1 = try #require(try ConsumerIdentity.lookup(IdentityKey(type: .buyer, value: "b1"), in: workspace)).consumerID
        let schedule = try ReachRun.schedule(
            plan, snapshot: snapshot, asOf: Day(year: 2026, month: 6, day: 3), audience: .all(capacity: 4),
            suppressed: ConsumerSet(capacity: 4, members: [try #require(snapshot.denseIndex(ofConsumer: b1))]), in: workspace)
        // 4 in the audience, 1 suppressed, 0 capped, 1 without a buyer key, 2 scheduled.
        #expect((schedule.audience, schedule.suppressed, schedule.capped, schedule.noChannelKey, schedule.scheduled) == (4, 1, 0, 1, 2))
        // One view each: too little history, so both use the audience's hour (12:00).
        #expect(schedule.audienceHourUsed == 2)
        #expect(schedule.sends.allSatisfy { $0.sendAt == TestClock.at(2026, 6, 10, hour: 12) })
        let report = ReachPlanReport(schedule, dryRun: false).rendered(as: .table)
        #expect(report.contains("− no tmall key"))
    }

    // MARK: Holdout

    @Test func holdoutIsReproducibleAndHasItsShare() {
        let ids = (1...10_000).map { UInt32($0) }
        let first = Set(ids.filter { Holdout.contains(consumerID: $0, seed: 42, share: 0.1) })
        // Same seed, any order: the same split.
        let again = Set(ids.reversed().filter { Holdout.contains(consumerID: $0, seed: 42, share: 0.1) })
        #expect(first == again)
        // 10% of 10,000 is 1,000 with σ = √(10,000 × 0.1 × 0.9) = 30: within 3σ.
        #expect(abs(first.count - 1_000) <= 90)
        // Another seed gives another split: two independent 10% draws share 1% of the ids,
        // 100 ± 3√(10,000 × 0.01 × 0.99) ≈ 100 ± 30.
        let other = Set(ids.filter { Holdout.contains(consumerID: $0, seed: 43, share: 0.1) })
        #expect(other != first)
        #expect(abs(first.intersection(other).count - 100) <= 30)
        // A larger share keeps everyone the smaller share held out (same draws).
        let wider = Set(ids.filter { Holdout.contains(consumerID: $0, seed: 42, share: 0.2) })
        #expect(first.isSubset(of: wider))
    }

    // MARK: Best hour

    @Test func bestHourWithTiesAndFallback() throws {
        var records: [EventRecord] = []
        // a: two events at 10:xx and two at 20:00 -> a tie; the latest is at 20:00 on June 3 -> 20.
        records += [
            event("a1", TestClock.at(2026, 6, 1, hour: 10), .view, ["buyer:a"]),
            event("a2", TestClock.at(2026, 6, 2, hour: 10, minute: 30), .view, ["buyer:a"]),
            event("a3", TestClock.at(2026, 6, 2, hour: 20), .cart, ["buyer:a"]),
            event("a4", TestClock.at(2026, 6, 3, hour: 20), .cart, ["buyer:a"]),
        ]
        // b: three views at 08:00 (outside 9-21), two at 11:00, five impressions at 15:00 (not
        // engagement): only 2 counted events < 3 -> falls back to the audience's hour.
        for day in 1...3 { records.append(event("b8-\(day)", TestClock.at(2026, 6, day, hour: 8), .view, ["buyer:b"])) }
        for day in 1...2 { records.append(event("b11-\(day)", TestClock.at(2026, 6, day, hour: 11), .view, ["buyer:b"])) }
        for day in 1...5 { records.append(event("b15-\(day)", TestClock.at(2026, 6, day, hour: 15), .impression, ["buyer:b"])) }
        // c: four views at 11:00 -> 11; ten views at 15:00 in January are before the 90-day
        // lookback (March 8 - June 5) and do not count.
        for day in 1...4 { records.append(event("c11-\(day)", TestClock.at(2026, 6, day, hour: 11), .view, ["buyer:c"])) }
        for day in 10...19 { records.append(event("c15-\(day)", TestClock.at(2026, 1, day, hour: 15), .view, ["buyer:c"])) }
        let (dir, workspace, snapshot) = try snapshot(of: records)
        defer { _ = dir }
        func index(_ key: String) throws -> Int {
            let id = try #require(try ConsumerIdentity.lookup(IdentityKey(type: .buyer, value: key), in: workspace)).consumerID
            return try #require(snapshot.denseIndex(ofConsumer: id))
        }
        let (a, b, c) = (try index("a"), try index("b"), try index("c"))
        let june5 = Day(year: 2026, month: 6, day: 5)
        let hours = BestHours(snapshot, consumers: .all(capacity: 3), asOf: june5, hours: 9...21)
        // Audience weights: a spreads 1 over 10:00 and 20:00 (0.5 each), b puts 1 on 11:00 (two
        // events, both there), c puts 1 on 11:00 -> 11:00 has 2.0 and wins.
        #expect(hours.audienceWeights[10] == 0.5 && hours.audienceWeights[20] == 0.5 && hours.audienceWeights[11] == 2.0)
        #expect(hours.audienceHour == 11)
        #expect(hours.hour(of: a) == (20, true))
        #expect(hours.hour(of: b) == (11, false))
        #expect(hours.hour(of: c) == (11, true))
        #expect(hours.fallbackCount == 1)
        // a alone: 0.5 at 10:00 and 0.5 at 20:00 tie; the audience's tie goes to the earlier hour.
        let alone = BestHours(snapshot, consumers: ConsumerSet(capacity: 3, members: [a]), asOf: june5, hours: 9...21)
        #expect(alone.audienceHour == 10)
        // Allowed hours 9-12 leave a with two events at 10:xx: too few, so the fallback is 10.
        let morning = BestHours(snapshot, consumers: ConsumerSet(capacity: 3, members: [a]), asOf: june5, hours: 9...12)
        #expect(morning.hour(of: a) == (10, false))
    }
}
