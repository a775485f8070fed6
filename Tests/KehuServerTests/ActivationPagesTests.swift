import Foundation
import HummingbirdTesting
import KehuActivation
import KehuMembers
import KehuModel
import KehuStore
import KehuTesting
import Testing
@testable import KehuServer

/// Defines on a workspace with data what the 人群, 触达 and 会员 pages show, through the libraries
/// as the CLI would: a rule tag, two audiences, a scheduled reach plan sending in the three days
/// after `planFrom` (audience as of the day before), and a points programme synced as of the
/// last day with data. Used on the simulated brand by the page and browser tests.
func defineActivation(in workspace: Workspace, planFrom: Day) throws {
    let tags = TagStore(workspace: workspace)
    try tags.define(name: "高意向", expression: "count(cart, 30d) >= 1", description: "30 天内加购")
    let audiences = AudienceStore(workspace: workspace)
    try audiences.define(name: "加购未购", expression: "tag:高意向 and count(pay, 30d) = 0")
    try audiences.define(name: "近期买家", expression: "count(pay, 90d) >= 1")
    let snapshot = try workspace.buildSnapshot()
    let asOf = planFrom.advanced(by: -1)
    let plan = ReachPlan(
        name: "双11加购提醒", audience: "加购未购", content: "coupon-1111", channel: .tmall,
        window: SendWindow(days: DayRange(planFrom, planFrom.advanced(by: 2))), holdoutShare: 0.2, asOf: asOf)
    try ReachStore.define(plan, in: workspace)
    let audience = try audiences.audience(named: "加购未购").evaluate(in: snapshot, asOf: asOf, tags: tags)
    _ = try ReachRun.schedule(
        plan, snapshot: snapshot, asOf: asOf, audience: audience, suppressed: ConsumerSet(capacity: snapshot.consumerCount), in: workspace)
    try MemberStore.setProgramme(try ProgrammeFile.parse(ActivationPagesTests.programme, file: "programme.txt"), source: "programme.txt", in: workspace)
    _ = try MemberSync.run(snapshot, workspace: workspace, asOf: try #require(snapshot.dataDays).last)
}

/// The 人群, 触达 and 会员 pages on hand-built data, every number worked out by hand.
@Suite("dashboard: audiences, reach and members pages")
struct ActivationPagesTests {
    static let programme = """
        name = 品牌会员
        basis = points
        [tier]
        code = normal
        name = 普通会员
        threshold = 0
        [tier]
        code = vip
        name = VIP
        threshold = 1000
        """

    /// Eight consumers b1..b8, each first seen on 05-31 at hour N (ids 1..8 in that order; hours
    /// before 9 do not count for best hours, which look at the plan's 09-21h only).
    /// - b1..b4 view on tmall at 20:00 on 06-01, 06-02, 06-03; b5..b8 on jd at 10:00: best hours
    ///   20:00 and 10:00 (3 events each, the minimum).
    /// - b1 joins as member m1 on 06-02 22:00 (tmall) and pays ¥100 (06-05) and ¥50 (06-08), at 22:00.
    /// - b2 pays ¥300 on 06-05 22:00. b5 joins as m5 on 06-04 22:00 (jd).
    /// Data so far ends 06-08. `later` (ingested after the plan is scheduled) adds, on 06-11 22:00:
    /// b5 pays ¥200 (jd), b7 ¥100 (jd), b3 ¥100 (tmall). The data then ends 06-11.
    static let records: [EventRecord] = {
        var records: [EventRecord] = []
        for n in 1...8 {
            let channel = n <= 4 ? "tmall" : "jd"
            records.append(event("seen-b\(n)", TestClock.at(2026, 5, 31, hour: n), .view, ["buyer:b\(n)"], channel: channel))
        }
        for n in 1...8 {
            for day in 1...3 {
                records.append(event("v-b\(n)-\(day)", TestClock.at(2026, 6, day, hour: n <= 4 ? 20 : 10), .view, ["buyer:b\(n)"], channel: n <= 4 ? "tmall" : "jd"))
            }
        }
        records += [
            event("j-b1", TestClock.at(2026, 6, 2, hour: 22), .memberJoin, ["buyer:b1", "member:m1"]),
            event("p-b1-1", TestClock.at(2026, 6, 5, hour: 22), .pay, ["buyer:b1"], order: "o1", amount: 10_000),
            event("p-b1-2", TestClock.at(2026, 6, 8, hour: 22), .pay, ["buyer:b1"], order: "o2", amount: 5_000),
            event("p-b2", TestClock.at(2026, 6, 5, hour: 22), .pay, ["buyer:b2"], order: "o3", amount: 30_000),
            event("j-b5", TestClock.at(2026, 6, 4, hour: 22), .memberJoin, ["buyer:b5", "member:m5"], channel: "jd"),
        ]
        return records
    }()

    static let later: [EventRecord] = [
        event("p-b5", TestClock.at(2026, 6, 11, hour: 22), .pay, ["buyer:b5"], channel: "jd", order: "o5", amount: 20_000),
        event("p-b7", TestClock.at(2026, 6, 11, hour: 22), .pay, ["buyer:b7"], channel: "jd", order: "o7", amount: 10_000),
        event("p-b3", TestClock.at(2026, 6, 11, hour: 22), .pay, ["buyer:b3"], order: "o8", amount: 10_000),
    ]

    /// Workspace `brand_a` with the records, tag, audiences, plan and members; `brand-b` with data
    /// and nothing defined.
    ///
    /// - Tag `tmall_viewers` = `count(view, 30d, channel = tmall) >= 3`: b1..b4 (4 tmall views each).
    /// - Audience `all_viewers` = `count(view, 30d) >= 1`: all 8. `jd_fans` = `channel = jd`: b5..b8.
    /// - Plan `618券`: all_viewers as of 06-08 (the day before the 06-10 window is later than the
    ///   data), tmall, 06-10 09-21h, 50% holdout with seed 23. Holdout.draw under seed 23 of ids
    ///   1..8: 0.947, 0.019, 0.422, 0.460, 0.748, 0.094, 0.700, 0.644: held out are b2, b3, b4, b6;
    ///   sent are b1 (20:00), b5, b7, b8 (10:00).
    /// - Programme `品牌会员` (1 point per yuan), synced as of 06-11: m1 earns 100 + 50, m5 200;
    ///   then m1 redeems 30 points on 06-11 23:00.
    static func fixture() throws -> ServerFixture {
        let fixture = try ServerFixture(aRecords: records, bRecords: [event("x", TestClock.at(2026, 6, 1), .view, ["anon:x"])])
        let workspace = fixture.a
        let tags = TagStore(workspace: workspace)
        try tags.define(name: "tmall_viewers", expression: "count(view, 30d, channel = tmall) >= 3")
        let audiences = AudienceStore(workspace: workspace)
        try audiences.define(name: "all_viewers", expression: "count(view, 30d) >= 1")
        try audiences.define(name: "jd_fans", expression: "channel = jd")
        let snapshot = try workspace.buildSnapshot()
        let asOf = Day(year: 2026, month: 6, day: 8)
        let plan = ReachPlan(
            name: "618券", audience: "all_viewers", content: "coupon-618", channel: .tmall,
            window: SendWindow(days: DayRange(Day(year: 2026, month: 6, day: 10), Day(year: 2026, month: 6, day: 10))), holdoutShare: 0.5, seed: 23)
        #expect(plan.audienceDay(lastDataDay: try #require(snapshot.dataDays).last) == asOf)
        try ReachStore.define(plan, in: workspace)
        let audience = try audiences.audience(named: "all_viewers").evaluate(in: snapshot, asOf: asOf, tags: tags)
        let schedule = try ReachRun.schedule(
            plan, snapshot: snapshot, asOf: asOf, audience: audience, suppressed: ConsumerSet(capacity: snapshot.consumerCount), in: workspace)
        #expect(snapshot.consumerIDs == Array(1...8))
        #expect(schedule.sends.filter(\.holdout).map(\.consumerID) == [2, 3, 4, 6])
        _ = try ingest(later, into: workspace)
        let updated = try workspace.buildSnapshot()
        try MemberStore.setProgramme(try ProgrammeFile.parse(programme, file: "p.txt"), source: "p.txt", in: workspace)
        _ = try MemberSync.run(updated, workspace: workspace, asOf: Day(year: 2026, month: 6, day: 11))
        _ = try PointsLedger(workspace).post(.redeem("gift-1", member: "member:m1", points: 30, at: TestClock.at(2026, 6, 11, hour: 23)))
        return fixture
    }

    static func value(_ label: String, _ value: String) -> String {
        "<div class=\"label\">\(HTML.escape(label))</div><div class=\"value\">\(HTML.escape(value))</div>"
    }

    @Test("人群: sizes of the saved tag and audiences, an estimate by stage and channel, the overlap")
    func audiences() async throws {
        let fixture = try Self.fixture()
        try await fixture.withClient { client in
            let cookie = try await DashboardPageTests.signIn(client, fixture.aRead)
            var response = try await client.execute(uri: "/audiences", method: .get, headers: cookie)
            var html = response.text
            #expect(response.status == .ok, "\(html.suffix(800))")
            #expect(DashboardPageTests.chartCount(html) == 1)
            #expect(html.contains(Self.value("消费者", "8")) && html.contains(Self.value("标签", "1")) && html.contains(Self.value("人群", "2")))
            // As of 06-11: tmall_viewers 4 of 8 = 50.0%; all_viewers 8 (100.0%); jd_fans 4 (50.0%).
            #expect(html.contains("<td class=\"\">tmall_viewers</td><td class=\"\">规则</td><td class=\"num\">4</td><td class=\"num\">50.0%</td>"))
            #expect(html.contains("<td class=\"\">all_viewers</td><td class=\"\">表达式</td><td class=\"num\">8</td><td class=\"num\">100.0%</td>"))
            #expect(html.contains("<td class=\"\">jd_fans</td><td class=\"\">表达式</td><td class=\"num\">4</td><td class=\"num\">50.0%</td>"))
            #expect(html.contains("标签 · tmall_viewers：4") && html.contains("人群 · all_viewers：8"))

            // stage in (P, L) as of 06-11: b1 has two purchases (L); b2, b3, b5, b7 one each (P);
            // b4, b6, b8 only viewed 05-31..06-03, within the 15 days of A. Size 5 of 8 = 62.5%.
            // Channels: b1, b2, b3 have tmall events, b5, b7 jd.
            response = try await client.execute(uri: "/audiences?expression=" + DashboardQuery.encode("stage in (P, L)"), method: .get, headers: cookie)
            html = response.text
            #expect(response.status == .ok, "\(html.suffix(800))")
            #expect(DashboardPageTests.chartCount(html) == 3)
            #expect(html.contains(Self.value("预估人数", "5")) && html.contains(Self.value("占全部消费者", "62.5%")))
            #expect(html.contains("<td class=\"\">P 购买</td><td class=\"num\">4</td><td class=\"num\">80.0%</td>"))
            #expect(html.contains("<td class=\"\">L 忠诚</td><td class=\"num\">1</td><td class=\"num\">20.0%</td>"))
            #expect(html.contains("<td class=\"\">A 认知</td><td class=\"num\">0</td><td class=\"num\">0.0%</td>"))
            #expect(html.contains("<td class=\"\">tmall</td><td class=\"num\">3</td><td class=\"num\">60.0%</td>"))
            #expect(html.contains("<td class=\"\">jd</td><td class=\"num\">2</td><td class=\"num\">40.0%</td>"))
            #expect(html.contains("name=\"expression\" value=\"stage in (P, L)\""))

            // Overlap of all_viewers (8) and jd_fans (4): both 4, union 8, Jaccard 4 / 8 = 0.5.
            response = try await client.execute(uri: "/audiences?lang=en&a=all_viewers&b=jd_fans", method: .get, headers: cookie)
            html = response.text
            #expect(response.status == .ok, "\(html.suffix(800))")
            #expect(DashboardPageTests.chartCount(html) == 2)
            #expect(html.contains(Self.value("Both A∩B", "4")) && html.contains(Self.value("Jaccard", "0.5000")))
            #expect(html.contains("<td class=\"\">A only</td><td class=\"num\">4</td><td class=\"num\">50.0%</td><td class=\"num\">–</td>"))
            #expect(html.contains("<td class=\"\">B only</td><td class=\"num\">0</td><td class=\"num\">–</td><td class=\"num\">0.0%</td>"))
            #expect(html.contains("<td class=\"\">A and B</td><td class=\"num\">4</td><td class=\"num\">50.0%</td><td class=\"num\">100.0%</td>"))
            response = try await client.execute(uri: "/audiences?a=all_viewers&b=nope", method: .get, headers: cookie)
            #expect(response.status == .badRequest && response.text.contains("b &#39;nope&#39;") && response.text.contains("all_viewers, jd_fans"))
        }
    }

    @Test("人群: a mistake in the expression is a 400 with the message and a caret under the column; the form keeps it")
    func badExpression() async throws {
        let fixture = try Self.fixture()
        try await fixture.withClient { client in
            let cookie = try await DashboardPageTests.signIn(client, fixture.aRead)
            let typed = "count(cart, 30x) >= 2"
            var response = try await client.execute(uri: "/audiences?expression=" + DashboardQuery.encode(typed), method: .get, headers: cookie)
            var html = response.text
            #expect(response.status == .badRequest)
            #expect(html.contains("第 13 列：expected a window like 30d, got &#39;30x&#39;"), "\(html.suffix(1200))")
            // 12 columns before the mistake, three carets under `30x`.
            #expect(html.contains("<pre class=\"caret\">count(cart, 30x) &gt;= 2\n" + String(repeating: " ", count: 12) + "^^^</pre>"))
            #expect(html.contains("name=\"expression\" value=\"count(cart, 30x) &gt;= 2\""))
            #expect(html.contains("tmall_viewers") && html.hasPrefix("<!doctype html>"))
            // An unknown tag, in English: the column and the caret, still a 400.
            response = try await client.execute(uri: "/audiences?lang=en&expression=" + DashboardQuery.encode("tag:nope"), method: .get, headers: cookie)
            html = response.text
            #expect(response.status == .badRequest && html.contains("column 1: ") && html.contains("nope") && html.contains("^</pre>"), "\(html.suffix(1200))")
        }
    }

    @Test("触达: plans with their sends, the effect of the chosen plan with intervals, sends by hour")
    func reach() async throws {
        let fixture = try Self.fixture()
        try await fixture.withClient { client in
            let cookie = try await DashboardPageTests.signIn(client, fixture.aRead)
            let response = try await client.execute(uri: "/reach", method: .get, headers: cookie)
            let html = response.text
            #expect(response.status == .ok, "\(html.suffix(800))")
            #expect(DashboardPageTests.chartCount(html) == 3)
            // The plan's row: 4 scheduled, none delivered or failed, 4 held out.
            #expect(html.contains("<td><strong>618券</strong></td><td>tmall</td><td>coupon-618</td><td>2026-06-10..2026-06-10 09-21h</td><td>all_viewers</td><td class=\"num\">4</td><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">4</td>"))
            // 14 days after each send (06-10): treatment b1, b5, b7, b8 — b5 ¥200 and b7 ¥100 on
            // 06-11 (b1's payments were before): 2 / 4 = 50.0%, 30,000 fen / 4 = ¥75.00 each.
            // Holdout b2, b3, b4, b6 — b3 ¥100: 1 / 4 = 25.0%, ¥25.00 each.
            // Uplift +25.00pp (relative +100.0%), GMV +¥50.00 (+200.0%).
            #expect(html.contains(Self.value("触达组转化率", "50.0%")) && html.contains(Self.value("对照组转化率", "25.0%")))
            #expect(html.contains(Self.value("转化率提升", "+25.00pp")) && html.contains(Self.value("人均 GMV 提升", "+¥50.00")))
            #expect(html.contains("<td class=\"\">触达组</td><td class=\"num\">4</td><td class=\"num\">2</td><td class=\"num\">50.0%</td><td class=\"num\">¥300.00</td><td class=\"num\">¥75.00</td>"))
            #expect(html.contains("<td class=\"\">对照组</td><td class=\"num\">4</td><td class=\"num\">1</td><td class=\"num\">25.0%</td><td class=\"num\">¥100.00</td><td class=\"num\">¥25.00</td>"))
            // Newcombe for 2/4 against 1/4: Wilson 2/4 = [0.150039, 0.849961], 1/4 = [0.045587,
            // 0.699358]; lower = 0.25 − √(0.349961² + 0.449358²) = −0.319557, upper = 0.25 +
            // √(0.349961² + 0.204413²) = 0.655287.
            #expect(html.contains("[-31.96 个百分点, +65.53 个百分点]"))
            // Welch: variances 9.1667e7 and 2.5e7 fen², df = 4.52 -> "df 5".
            #expect(html.contains("Welch t, df 5"))
            #expect(html.contains("+100.0%") && html.contains("+200.0%"))
            #expect(html.contains("转化率提升的区间包含 0"))
            // Sends by hour, 09:00 to 21:00: b5, b7, b8 at 10:00, b1 at 20:00.
            #expect(html.contains("10:00：3") && html.contains("20:00：1") && html.contains("09:00：0"))
            #expect(html.contains("触达组的 4 条发送"))
            // Whiskers on both effect charts (two groups each: four whiskers with two caps each).
            #expect(html.components(separatedBy: "class=\"interval\"").count - 1 == 4)
            #expect(html.components(separatedBy: "class=\"interval-cap\"").count - 1 == 8)
            let english = try await client.execute(uri: "/reach?lang=en&plan=618%E5%88%B8&window=1d", method: .get, headers: cookie)
            // A 1-day window after 06-10 10:00 / 20:00 ends before the 06-11 22:00 payments: no conversions.
            #expect(english.status == .ok && english.text.contains(Self.value("Conversion uplift", "+0.00pp")), "\(english.text.suffix(800))")
            let unknown = try await client.execute(uri: "/reach?plan=nope", method: .get, headers: cookie)
            #expect(unknown.status == .badRequest && unknown.text.contains("plan &#39;nope&#39;") && unknown.text.contains("618券"))
            let badWindow = try await client.execute(uri: "/reach?window=0d", method: .get, headers: cookie)
            #expect(badWindow.status == .badRequest && badWindow.text.contains("window &#39;0d&#39;"))
        }
    }

    @Test("会员: the recruited cohort, 招育转留赞, tiers and points in the date bar's period")
    func members() async throws {
        let fixture = try Self.fixture()
        try await fixture.withClient { client in
            let cookie = try await DashboardPageTests.signIn(client, fixture.aRead)
            let response = try await client.execute(uri: "/members", method: .get, headers: cookie)
            let html = response.text
            #expect(response.status == .ok, "\(html.suffix(800))")
            #expect(DashboardPageTests.chartCount(html) == 4)
            // Period: the 30 days ending 06-11, 05-13 .. 06-11. m1 joins 06-02, first buys 06-05
            // (3 days), again 06-08; m5 joins 06-04, first buys 06-11 (7 days). Median 5 days.
            #expect(html.contains("周期 2026-05-13 至 2026-06-11（30 天）"))
            #expect(html.contains(Self.value("期末会员", "2")) && html.contains(Self.value("招 新入会", "2")))
            #expect(html.contains(Self.value("转 首购", "2")) && html.contains("入会后中位 5 天"))
            #expect(html.contains(Self.value("留 复购", "1")))
            // Cohort: joined 2 -> first purchase 2 (100.0%) -> repeat 1 (50.0%).
            #expect(html.contains("<td class=\"\">首购</td><td class=\"num\">2</td><td class=\"num\">100.0%</td>"))
            #expect(html.contains("<td class=\"\">复购</td><td class=\"num\">1</td><td class=\"num\">50.0%</td>"))
            // 育: both bought in the period, so neither is nurtured.
            #expect(html.contains("<td class=\"\">育 互动未购</td><td class=\"\">浏览、收藏或加购，未购买</td><td class=\"num\">0</td>"))
            #expect(html.contains("<td class=\"\">转 首购</td><td class=\"\">入会后中位 5 天首购</td><td class=\"num\">2</td>"))
            // Points: issued 100 + 50 + 200 = 350 (dated at the payments), redeemed 30; 4 entries.
            #expect(html.contains(Self.value("积分发放", "350")) && html.contains("兑换 30 · 过期 0"))
            #expect(html.contains("4 条积分流水"))
            // Tiers: both normal (150 − 30 and 200 points earned, under 1,000), holding 120 + 200.
            #expect(html.contains("<td class=\"\">普通会员</td><td class=\"\">normal</td><td class=\"num\">0 积分</td>"))
            #expect(html.contains("<td class=\"num\">1,000 积分</td>"))
            #expect(html.contains("<td class=\"num\">2</td><td class=\"num\">100.0%</td><td class=\"num\">320</td>"), "\(html.suffix(3000))")
            // Joined by channel: one each through jd and tmall.
            #expect(html.contains("<td class=\"\">jd</td><td class=\"num\">1</td><td class=\"num\">50.0%</td>"))
            let bad = try await client.execute(uri: "/members?lapse-days=0", method: .get, headers: cookie)
            #expect(bad.status == .badRequest && bad.text.contains("lapse-days &#39;0&#39;"))
        }
    }

    @Test("nothing defined: each page is 200 and says which kehu command creates what it shows; signed out is 303")
    func emptyStates() async throws {
        let fixture = try Self.fixture()
        try await fixture.withClient { client in
            let b = try await DashboardPageTests.signIn(client, fixture.bRead)
            let expectations: [(String, [String])] = [
                ("/audiences", ["还没有标签或人群", "kehu tag define", "kehu audience define", "name=\"expression\""]),
                ("/reach", ["还没有触达计划", "kehu reach define", "kehu reach plan"]),
                ("/members", ["还没有设置会员计划", "kehu member programme set"]),
                ("/reach?lang=en", ["No reach plans yet"]),
            ]
            for (uri, texts) in expectations {
                let response = try await client.execute(uri: uri, method: .get, headers: b)
                #expect(response.status == .ok, "\(uri)")
                for text in texts { #expect(response.text.contains(text), "\(uri): \(text)") }
                #expect(DashboardPageTests.chartCount(response.text) == 0 && !response.text.contains("class=\"card error\""), "\(uri)")
            }
            // Estimating needs nothing saved: b's one consumer viewed on 06-01.
            let estimate = try await client.execute(uri: "/audiences?expression=count(view,30d)%3E%3D1", method: .get, headers: b)
            #expect(estimate.status == .ok && estimate.text.contains(Self.value("预估人数", "1")))
            // A programme without members yet: the page says to sync.
            try MemberStore.setProgramme(try ProgrammeFile.parse(Self.programme, file: "p.txt"), source: "p.txt", in: fixture.b)
            let members = try await client.execute(uri: "/members", method: .get, headers: b)
            #expect(members.status == .ok && members.text.contains("还没有会员") && members.text.contains("kehu member sync"))
            for path in ["/audiences", "/reach", "/members"] {
                let response = try await client.execute(uri: path + "?lang=en", method: .get)
                #expect(response.status == .seeOther && response.headers[.location] == "/?lang=en", "\(path)")
            }
        }
    }
}
