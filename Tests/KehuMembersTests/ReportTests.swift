import Foundation
import KehuAnalytics
import KehuModel
import KehuStore
import KehuTesting
import Testing
@testable import KehuMembers

@Suite("招育转留赞 report")
struct ReportTests {
    /// June 2026, lapse after 30 days without a purchase.
    /// - m1 joins 05-10 (tmall), buys 05-12 and again 06-05 (留 repeat), shares 06-06.
    /// - m2 joins 06-03 (wechat_mp, 招), views and carts 06-04, never buys (育); shares twice 06-05.
    /// - m3 joins 06-10 (tmall, 招), first buys 06-15 (转, 5 days) and again 06-20 (留).
    /// - m4 joins 04-01 (jd), buys 05-15, favorites 06-02 without buying (育); 05-15 + 30 days = 06-14
    ///   falls in June with no purchase since: lapsed (沉睡).
    /// - m5 joins 03-01, leaves 06-20 (流失 退会).
    /// - m6 is enrolled by hand on 06-25 through pos, referred by m1 (招, 赞 referral); no events.
    /// - m7 buys 06-08 as buyer:b7, joins 06-12 (douyin, 招) with that key, buys again 06-22: the
    ///   first purchase as a member is 06-22 (转, 10 days); it bought in June, so it is not nurtured.
    /// - c8 is no member: views and buys in June, counted nowhere.
    static let records: [EventRecord] = [
        event("m1-j", TestClock.at(2026, 5, 10), .memberJoin, ["member:m1"]),
        event("m1-p1", TestClock.at(2026, 5, 12), .pay, ["member:m1"], order: "o1", amount: 10_000),
        event("m1-p2", TestClock.at(2026, 6, 5), .pay, ["member:m1"], order: "o2", amount: 10_000),
        event("m1-s", TestClock.at(2026, 6, 6), .share, ["member:m1"]),
        event("m2-j", TestClock.at(2026, 6, 3), .memberJoin, ["member:m2"], channel: "wechat_mp"),
        event("m2-v", TestClock.at(2026, 6, 4), .view, ["member:m2"], channel: "wechat_mp"),
        event("m2-c", TestClock.at(2026, 6, 4, hour: 13), .cart, ["member:m2"], channel: "wechat_mp"),
        event("m2-s1", TestClock.at(2026, 6, 5), .share, ["member:m2"], channel: "wechat_mp"),
        event("m2-s2", TestClock.at(2026, 6, 5, hour: 14), .share, ["member:m2"], channel: "wechat_mp"),
        event("m3-j", TestClock.at(2026, 6, 10), .memberJoin, ["member:m3"]),
        event("m3-p1", TestClock.at(2026, 6, 15), .pay, ["member:m3"], order: "o3", amount: 5_000),
        event("m3-p2", TestClock.at(2026, 6, 20), .pay, ["member:m3"], order: "o4", amount: 5_000),
        event("m4-j", TestClock.at(2026, 4, 1), .memberJoin, ["member:m4"], channel: "jd"),
        event("m4-p", TestClock.at(2026, 5, 15), .pay, ["member:m4"], order: "o5", amount: 8_000, sku: "S1"),
        event("m4-f", TestClock.at(2026, 6, 2), .favorite, ["member:m4"], channel: "jd"),
        event("m5-j", TestClock.at(2026, 3, 1), .memberJoin, ["member:m5"]),
        event("m5-l", TestClock.at(2026, 6, 20), .memberLeave, ["member:m5"]),
        event("m7-p1", TestClock.at(2026, 6, 8), .pay, ["buyer:b7"], channel: "douyin", order: "o7", amount: 3_000),
        event("m7-j", TestClock.at(2026, 6, 12), .memberJoin, ["buyer:b7", "member:m7"], channel: "douyin"),
        event("m7-v", TestClock.at(2026, 6, 13), .view, ["member:m7"], channel: "douyin"),
        event("m7-p2", TestClock.at(2026, 6, 22), .pay, ["member:m7"], channel: "douyin", order: "o8", amount: 3_000),
        event("c8-v", TestClock.at(2026, 6, 9), .view, ["anon:c8"]),
        event("c8-p", TestClock.at(2026, 6, 9, hour: 13), .pay, ["anon:c8"], order: "o9", amount: 1_000),
    ]

    @Test("each stage counted by hand")
    func handBuilt() throws {
        let (dir, workspace) = try membersWorkspace(Self.records)
        // The directory is removed when `dir` goes: keep it for the whole test.
        defer { withExtendedLifetime(dir) {} }
        let snapshot = try workspace.buildSnapshot()
        _ = try MemberSync.run(snapshot, workspace: workspace, asOf: Day(year: 2026, month: 6, day: 30))
        _ = try MemberStore.join(key: key("member:m6"), at: TestClock.at(2026, 6, 25), channel: "pos", referrer: key("member:m1"), in: workspace)
        let members = try MemberFunnel.subjects(in: workspace, snapshot: snapshot)
        #expect(members.map(\.key) == ["member:m1", "member:m2", "member:m3", "member:m4", "member:m5", "member:m6", "member:m7"])
        let report = MemberFunnel.compute(
            snapshot, members: members, period: DayRange(Day(year: 2026, month: 6, day: 1), Day(year: 2026, month: 6, day: 30)), lapseDays: 30)
        // In at the start (joined before 06-01, not left): m1, m4, m5. At the end: all but m5.
        #expect((report.membersAtStart, report.membersAtEnd) == (3, 6))
        // 招: m2, m3, m6, m7 — one each through wechat_mp, tmall, pos, douyin.
        #expect(report.recruited == 4)
        #expect(report.recruitedByChannel.map { "\($0.channel)=\($0.members)" } == ["douyin=1", "pos=1", "tmall=1", "wechat_mp=1"])
        // 育: m2 and m4.
        #expect(report.nurtured == 2)
        // 转: m3 (5 days) and m7 (10 days); median (5 + 10) / 2 = 7.5.
        #expect(report.converted == 2)
        #expect(report.medianDaysToFirstPurchase == 7.5)
        // 留: m1 and m3; churn: m5 left, m4 lapsed.
        #expect((report.repeatBuyers, report.churnedLeft, report.churnedLapsed) == (2, 1, 1))
        // 赞: m6 referred by m1; m1 shared once and m2 twice.
        #expect((report.referrals, report.sharers, report.shares) == (1, 2, 3))
        let table = report.rendered(as: .table)
        #expect(table.contains("median 7.5 days from joining"))
        #expect(report.rendered(as: .csv).contains("recruit,招 入会,4,joined in the period"))
    }

    @Test("on a generated brand, a second computation from the raw events agrees")
    func generated() throws {
        let (_, workspace, snapshot) = try generatedSnapshot(consumers: 800, days: 400)
        let programme = try ProgrammeFile.parse(spendProgramme.replacingOccurrences(of: "multiplier = 150%", with: "multiplier = 100%")
            .replacingOccurrences(of: "multiplier = 2", with: "multiplier = 1"), file: "p.txt")
        try MemberStore.setProgramme(programme, source: "p.txt", in: workspace)
        let last = try #require(snapshot.dataDays?.last)
        let summary = try MemberSync.run(snapshot, workspace: workspace, asOf: last)
        let members = try MemberFunnel.subjects(in: workspace, snapshot: snapshot)
        let period = DayRange(last.advanced(by: -89), last)
        let report = MemberFunnel.compute(snapshot, members: members, period: period, lapseDays: 60)
        let zone = snapshot.zone
        let start = zone.start(of: period.first)
        let end = zone.end(of: period.last)

        // The reference: straight from the events, one consumer at a time.
        var recruited = 0, left = 0, sharers = 0, shares = 0, converted = 0, repeatBuyers = 0, joinedTotal = 0
        var earned: Int64 = 0
        for c in 0..<snapshot.consumerCount {
            let rows = Array(snapshot.events(of: c))
            guard let join = rows.first(where: { snapshot.kind[$0] == .memberJoin }).map({ snapshot.ts[$0] }) else { continue }
            joinedTotal += 1
            let leave = rows.last(where: { snapshot.kind[$0] == .memberLeave }).map { snapshot.ts[$0] } ?? .max
            if join >= start && join < end { recruited += 1 }
            if leave >= start && leave < end { left += 1 }
            let shared = rows.filter { snapshot.kind[$0] == .share && snapshot.ts[$0] >= max(join, start) && snapshot.ts[$0] < min(leave, end) }.count
            if shared > 0 { sharers += 1; shares += shared }
            // Orders: paid and refunded amounts before the end, first payment time.
            var paid: [String: Int64] = [:], refunded: [String: Int64] = [:], firstPay: [String: Int64] = [:]
            for i in rows where snapshot.ts[i] < end {
                guard let order = snapshot.value(.orderID, i) else { continue }
                if snapshot.kind[i] == .pay {
                    paid[order, default: 0] += snapshot.amount(i) ?? 0
                    firstPay[order] = min(firstPay[order] ?? .max, snapshot.ts[i])
                } else if snapshot.kind[i] == .refund {
                    refunded[order, default: 0] += snapshot.amount(i) ?? 0
                }
            }
            let memberOrders = firstPay.filter { order, ts in
                ts >= join && ts < leave && (paid[order] ?? 0) > (refunded[order] ?? 0)
            }
            let times = memberOrders.values.sorted()
            if let first = times.first, first >= start { converted += 1 }
            if times.dropFirst().contains(where: { $0 >= start }) { repeatBuyers += 1 }
            // Everything was earned at 100%: ⌊net fen / 100⌋ per order paid as a member.
            for (order, _) in memberOrders { earned += ((paid[order] ?? 0) - (refunded[order] ?? 0)) / 100 }
        }
        #expect(joinedTotal > 50, "the generated brand should have members")
        #expect(members.count == joinedTotal)
        #expect(report.recruited == recruited)
        #expect(report.churnedLeft == left)
        #expect((report.sharers, report.shares) == (sharers, shares))
        #expect(report.converted == converted)
        #expect(report.repeatBuyers == repeatBuyers)
        #expect(summary.earnedPoints == earned)
        // The ledger holds what was earned, less what expired; no balance is negative.
        let ledger = PointsLedger(workspace)
        #expect(try ledger.verify().isEmpty)
        let total = try MemberStore.members(in: workspace).reduce(Int64(0)) { $0 + $1.balance }
        #expect(total == summary.earnedPoints - summary.expiredPoints)
        // A second sync of the same day posts nothing.
        let again = try MemberSync.run(snapshot, workspace: workspace, asOf: last)
        #expect((again.joined, again.earnedEntries, again.reversedEntries, again.expiredEntries, again.upgrades) == (0, 0, 0, 0, 0))
    }
}
