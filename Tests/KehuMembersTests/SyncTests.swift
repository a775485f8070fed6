import Foundation
import KehuModel
import KehuStore
import KehuTesting
import Testing
@testable import KehuMembers

@Suite("member sync: earning, refunds, tiers")
struct SyncTests {
    /// Five members (spend programme: 银卡 from ¥1,000.00 at 150%, review 07-01, 30 days' grace):
    /// - a pays ¥1,000.00 (A1) on 02-01 and ¥199.99 (A2) on 02-10; ¥400.00 of A1 is refunded on 02-15.
    /// - b pays ¥999.99 (B1) on 02-01 and ¥0.01 (B2) on 02-10.
    /// - c pays ¥1,000.00 (C1) on 06-10; ¥500.00 is refunded on 06-20.
    /// - d paid ¥500.00 (D0) on 01-02, before joining on 01-08 with the same buyer key.
    /// - e pays ¥100.00 (E1) on 03-01, refunded in full on 06-15.
    static let records: [EventRecord] = [
        event("a-j", TestClock.at(2026, 1, 5), .memberJoin, ["member:a"]),
        event("a-p1", TestClock.at(2026, 2, 1), .pay, ["member:a"], order: "A1", amount: 100_000),
        event("a-p2", TestClock.at(2026, 2, 10), .pay, ["member:a"], order: "A2", amount: 19_999),
        event("a-r1", TestClock.at(2026, 2, 15), .refund, ["member:a"], order: "A1", amount: 40_000),
        event("b-j", TestClock.at(2026, 1, 6), .memberJoin, ["member:b"], channel: "jd"),
        event("b-p1", TestClock.at(2026, 2, 1), .pay, ["member:b"], order: "B1", amount: 99_999),
        event("b-p2", TestClock.at(2026, 2, 10), .pay, ["member:b"], order: "B2", amount: 1),
        event("c-j", TestClock.at(2026, 1, 7), .memberJoin, ["member:c"]),
        event("c-p1", TestClock.at(2026, 6, 10), .pay, ["member:c"], order: "C1", amount: 100_000),
        event("c-r1", TestClock.at(2026, 6, 20), .refund, ["member:c"], order: "C1", amount: 50_000),
        event("d-p0", TestClock.at(2026, 1, 2), .pay, ["buyer:d"], order: "D0", amount: 50_000),
        event("d-j", TestClock.at(2026, 1, 8), .memberJoin, ["buyer:d", "member:d"]),
        event("e-j", TestClock.at(2026, 1, 9), .memberJoin, ["member:e"]),
        event("e-p1", TestClock.at(2026, 3, 1), .pay, ["member:e"], order: "E1", amount: 10_000),
        event("e-r1", TestClock.at(2026, 6, 15), .refund, ["member:e"], order: "E1", amount: 10_000),
    ]

    func day(_ m: Int, _ d: Int) -> Day { Day(year: 2026, month: m, day: d) }

    @Test("earning, the tier threshold to the fen, refund reversals, idempotence, and the review with grace")
    func lifecycle() throws {
        let (dir, workspace) = try membersWorkspace(Self.records)
        // The directory is removed when `dir` goes: keep it for the whole test.
        defer { withExtendedLifetime(dir) {} }
        let snapshot = try workspace.buildSnapshot()
        let ledger = PointsLedger(workspace)
        func balance(_ m: String) throws -> Int64? { try MemberStore.member("member:\(m)", in: workspace)?.balance }
        func tier(_ m: String) throws -> String? { try MemberStore.member("member:\(m)", in: workspace)?.tier }

        // As of 02-01: five members join. a earns ⌊100 000 × 100 / 10 000⌋ = 1 000 at 普通 (the tier on
        // the payment day) and then reaches 银卡 at exactly ¥1,000.00; b earns ⌊99 999 / 100⌋ = 999 and
        // stays 普通, one fen short. d's D0 was paid before joining: nothing.
        let s1 = try MemberSync.run(snapshot, workspace: workspace, asOf: day(2, 1))
        #expect((s1.joined, s1.earnedEntries, s1.earnedPoints, s1.upgrades) == (5, 2, 1_999, 1))
        #expect(try (tier("a"), tier("b"), tier("d")) == ("silver", "normal", "normal"))
        #expect(try (balance("a"), balance("b"), balance("d")) == (1_000, 999, 0))
        #expect(try MemberStore.member("member:d", in: workspace)?.joinedAt == TestClock.at(2026, 1, 8))

        // As of 02-10: a's A2 earns at 银卡's 150%: ⌊19 999 × 150 / 10 000⌋ = 299. b's ¥0.01 earns
        // ⌊1 / 100⌋ = 0 (no entry) but takes b's spend to ¥1,000.00: 银卡.
        let s2 = try MemberSync.run(snapshot, workspace: workspace, asOf: day(2, 10))
        #expect((s2.earnedEntries, s2.earnedPoints, s2.upgrades) == (1, 299, 1))
        #expect(try (balance("a"), tier("b")) == (1_299, "silver"))
        #expect(try ledger.entry(operationID: "earn:A2")?.points == 299)

        // As of 02-15: A1's net is ¥600.00, which earns ⌊60 000 / 100⌋ = 600 at A1's rate: 400 go back.
        let s3 = try MemberSync.run(snapshot, workspace: workspace, asOf: day(2, 15))
        #expect((s3.reversedEntries, s3.reversedPoints, s3.earnedEntries, s3.upgrades, s3.downgrades) == (1, 400, 0, 0, 0))
        #expect(try ledger.entry(operationID: "refund:A1")?.points == -400)
        #expect(try balance("a") == 899)

        // Running the same day again posts nothing and changes no tier.
        let entriesBefore = try ["a", "b", "c", "d", "e"].map { try ledger.entries(of: "member:\($0)").count }
        let again = try MemberSync.run(snapshot, workspace: workspace, asOf: day(2, 15))
        #expect((again.joined, again.earnedEntries, again.reversedEntries, again.expiredEntries, again.upgrades, again.downgrades) == (0, 0, 0, 0, 0, 0))
        #expect(try ["a", "b", "c", "d", "e"].map { try ledger.entries(of: "member:\($0)").count } == entriesBefore)

        // As of 06-10: c's C1 earns 1 000 and c reaches 银卡 on 06-10; e's E1 (03-01) earns 100.
        let s4 = try MemberSync.run(snapshot, workspace: workspace, asOf: day(6, 10))
        #expect((s4.earnedEntries, s4.earnedPoints, s4.upgrades) == (2, 1_100, 1))
        // e spends 80 of its 100.
        _ = try ledger.post(.redeem("e-gift", member: "member:e", points: 80, at: TestClock.at(2026, 6, 11)))

        // As of 06-30: C1's net ¥500.00 earns 500: 500 go back. E1 was refunded in full: its 100 should
        // go back, but e holds 20: 20 go back and 80 stay owed. No review yet (07-01 is after 06-30).
        let s5 = try MemberSync.run(snapshot, workspace: workspace, asOf: day(6, 30))
        #expect((s5.reversedEntries, s5.reversedPoints, s5.owedPoints, s5.downgrades) == (2, 520, 80, 0))
        #expect(try (balance("c"), balance("e")) == (500, 0))
        #expect(try (tier("a"), tier("b"), tier("c")) == ("silver", "silver", "silver"))

        // e earns 100 by hand; the next sync takes the 80 still owed as refund:E1#2.
        _ = try ledger.post(.earn("e-bonus", member: "member:e", points: 100, at: TestClock.at(2026, 6, 30, hour: 20)))

        // As of 07-01, the review day: a's spend over the 365 days ending 07-01 is ¥600.00 + ¥199.99 =
        // ¥799.99 < ¥1,000.00, and a has been 银卡 since 02-01, before 07-01 − 30 days = 06-01: back to
        // 普通. b's ¥999.99 + ¥0.01 = ¥1,000.00 still qualifies. c's ¥500.00 does not, but c reached
        // 银卡 on 06-10, within the grace: kept.
        let s6 = try MemberSync.run(snapshot, workspace: workspace, asOf: day(7, 1))
        #expect((s6.downgrades, s6.keptInGrace, s6.reversedPoints) == (1, 1, 80))
        #expect(try (tier("a"), tier("b"), tier("c")) == ("normal", "silver", "silver"))
        #expect(try ledger.entry(operationID: "refund:E1#2")?.points == -80)
        #expect(try balance("e") == 20)
        let history = try MemberStore.tierHistory(of: "member:a", in: workspace)
        #expect(history.map { "\($0.day) \($0.fromTier ?? "-")→\($0.toTier)" } == [
            "2026-01-05 -→normal", "2026-02-01 normal→silver", "2026-07-01 silver→normal",
        ])
        #expect(history.last?.reason == "review 2026-07-01: ¥799.99 over 365 days is below 银卡 (¥1,000.00)")
        #expect(try ledger.verify().isEmpty)
    }

    @Test("a downgrade waits for the review day: as of the day before, the tier stays")
    func reviewBoundary() throws {
        // f pays ¥1,000.00 on 2025-06-20 and nothing after. The 365-day window ending 2026-06-30 is
        // 2025-07-01 ... 2026-06-30: it no longer holds the payment.
        let (dir, workspace) = try membersWorkspace([
            event("f-j", TestClock.at(2025, 6, 1), .memberJoin, ["member:f"]),
            event("f-p", TestClock.at(2025, 6, 20), .pay, ["member:f"], order: "F1", amount: 100_000),
        ])
        // The directory is removed when `dir` goes: keep it for the whole test.
        defer { withExtendedLifetime(dir) {} }
        let snapshot = try workspace.buildSnapshot()
        _ = try MemberSync.run(snapshot, workspace: workspace, asOf: Day(year: 2025, month: 6, day: 20))
        #expect(try MemberStore.member("member:f", in: workspace)?.tier == "silver")
        // 2025-07-01 is a review day; f's spend (window 2024-07-02 ... 2025-07-01) still qualifies.
        let first = try MemberSync.run(snapshot, workspace: workspace, asOf: Day(year: 2025, month: 7, day: 1))
        #expect((first.keptInGrace, first.downgrades) == (0, 0))
        // As of 2026-06-30 f's spend window (2025-07-01 ... 2026-06-30) holds nothing, but no review
        // day has passed since 2025-07-01: f stays 银卡.
        let before = try MemberSync.run(snapshot, workspace: workspace, asOf: Day(year: 2026, month: 6, day: 30))
        #expect(before.downgrades == 0)
        #expect(try MemberStore.member("member:f", in: workspace)?.tier == "silver")
        // As of 2026-07-01, the review: spend ¥0.00 over the window: 普通, dated 07-01.
        let at = try MemberSync.run(snapshot, workspace: workspace, asOf: Day(year: 2026, month: 7, day: 1))
        #expect(at.downgrades == 1)
        let member = try MemberStore.member("member:f", in: workspace)
        #expect(member?.tier == "normal" && member?.tierSince == Day(year: 2026, month: 7, day: 1))
    }
}
