import Foundation
import Hummingbird
import HummingbirdTesting
import KehuAnalytics
import KehuCharts
import KehuModel
import KehuStore
import KehuTesting
import Logging
import Testing
@testable import KehuServer

/// The dashboard's pages in-process (HummingbirdTesting `.router`): sign-in, every page with its
/// charts, errors as readable messages, empty workspaces, and workspace isolation.
@Suite("dashboard pages: charts, date bar, errors, empty workspaces, isolation, sign-in links")
struct DashboardPageTests {
    /// A fixture whose workspace `brand_a` holds a simulated brand (ending 2026-11-20, so the
    /// 双11 windows of 2025 and 2026 are in it) with a tag, audiences, a scheduled reach plan and
    /// a member programme (``defineActivation(in:planFrom:)``); `brand-b` stays empty.
    static func generatedFixture() throws -> ServerFixture {
        let fixture = try ServerFixture()
        try ingestGeneratedBrand(into: fixture.a, consumers: 600, days: 400)
        try defineActivation(in: fixture.a, planFrom: Day(year: 2026, month: 11, day: 10))
        return fixture
    }

    /// Signs in with `key` and returns the session cookie header.
    static func signIn(_ client: some TestClientProtocol, _ key: APIKey) async throws -> HTTPFields {
        let response = try await client.execute(
            uri: "/session", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: buffer("key=" + key.text))
        let setCookie = try #require(response.headers[.setCookie])
        return [.cookie: String(setCookie.prefix { $0 != ";" })]
    }

    static func chartCount(_ html: String) -> Int {
        html.components(separatedBy: "class=\"kehu-chart kehu-chart-").count - 1
    }

    @Test("signed out, every page redirects to the sign-in form in its language")
    func signedOut() async throws {
        let fixture = try ServerFixture(aRecords: QueryTests.records)
        try await fixture.withClient { client in
            for page in DashboardPage.allCases where page != .overview {
                var response = try await client.execute(uri: page.path, method: .get)
                #expect(response.status == .seeOther && response.headers[.location] == "/?lang=zh", "\(page)")
                response = try await client.execute(uri: page.path + "?lang=en&as-of=2026-06-01", method: .get)
                #expect(response.headers[.location] == "/?lang=en", "\(page)")
            }
            let response = try await client.execute(uri: "/", method: .get)
            #expect(response.text.contains("name=\"key\"") && Self.chartCount(response.text) == 0)
        }
    }

    @Test("signed in, every page in both languages is 200 with its charts, the navigation and no error")
    func everyPage() async throws {
        let fixture = try Self.generatedFixture()
        try await fixture.withClient { client in
            let cookie = try await Self.signIn(client, fixture.aRead)
            for language in ChartLanguage.allCases {
                for page in DashboardPage.allCases {
                    let response = try await client.execute(uri: page.path + "?lang=\(language.rawValue)", method: .get, headers: cookie)
                    let html = response.text
                    #expect(response.status == .ok, "\(page) \(language): \(html.suffix(600))")
                    #expect(!html.contains("class=\"card error\""), "\(page) \(language)")
                    #expect(Self.chartCount(html) == page.chartCount, "\(page) \(language): \(Self.chartCount(html)) charts")
                    #expect(html.contains("<html lang=\"\(language.htmlLang)\">"))
                    #expect(html.contains("<h1>\(HTML.escape(page.title(language)))</h1>"))
                    #expect(html.contains("brand_a") && !html.contains("<script"))
                    for other in DashboardPage.allCases {
                        #expect(html.contains("href=\"\(other.path)?lang=\(language.rawValue)"), "\(page) links to \(other)")
                    }
                }
            }
        }
    }

    @Test("the date bar's values ride along every navigation link; the language switch keeps the page's own parameters")
    func datesCarried() async throws {
        let fixture = try Self.generatedFixture()
        try await fixture.withClient { client in
            let cookie = try await Self.signIn(client, fixture.aRead)
            var response = try await client.execute(uri: "/?as-of=2026-11-15&from=2026-11-01&to=2026-11-11", method: .get, headers: cookie)
            #expect(response.status == .ok)
            // Links list parameters sorted by name after lang: as-of, from, to.
            let carried = "?lang=zh&amp;as-of=2026-11-15&amp;from=2026-11-01&amp;to=2026-11-11"
            #expect(response.text.contains("href=\"/aipl\(carried)\""))
            #expect(response.text.contains("href=\"/campaigns\(carried)\""))
            #expect(response.text.contains("name=\"as-of\" value=\"2026-11-15\""))
            #expect(response.text.contains("周期 2026-11-01 至 2026-11-11（11 天）"))
            // Presets are relative to the as-of day: 近7天 = 11-09 ... 11-15.
            #expect(response.text.contains("from=2026-11-09&amp;to=2026-11-15\">近7天</a>"))
            response = try await client.execute(uri: "/funnel?steps=view,pay&window=3d&to=2026-11-11", method: .get, headers: cookie)
            #expect(response.status == .ok)
            #expect(response.text.contains("href=\"/funnel?lang=en&amp;steps=view%2Cpay&amp;to=2026-11-11&amp;window=3d\">English</a>"))
            // Navigation carries the dates only, not the funnel's steps.
            #expect(response.text.contains("href=\"/rfm?lang=zh&amp;to=2026-11-11\""))
        }
    }

    @Test("bad parameters show a readable message in the page (400), never JSON or a trace; the form stays")
    func badParameters() async throws {
        let fixture = try Self.generatedFixture()
        try await fixture.withClient { client in
            let cookie = try await Self.signIn(client, fixture.aRead)
            let cases: [(uri: String, message: String)] = [
                ("/?as-of=june", "as-of &#39;june&#39;"),
                ("/aipl?from=2026-11-10&to=2026-11-01", "the period starts after it ends"),
                ("/funnel?steps=view,teleport", "teleport"),
                ("/retention?period=year", "period &#39;year&#39;"),
                ("/plan?target=lots&campaign=2026-11-01..2026-11-11", "target &#39;lots&#39;"),
                ("/plan?target=500万&campaign=2026-11-11..2026-11-01", "campaign &#39;2026-11-11..2026-11-01&#39;"),
                ("/campaigns?campaign=nope", "campaign &#39;nope&#39;"),
                ("/clv?horizon=0", "horizon &#39;0&#39;"),
                ("/channels?by=region", "by &#39;region&#39;"),
                ("/analyses/channels?costs=/etc/passwd", "names a file on the server"),
                ("/analyses/aipl?as-of=june", "as-of &#39;june&#39;"),
            ]
            for (uri, message) in cases {
                let response = try await client.execute(uri: uri, method: .get, headers: cookie)
                let html = response.text
                #expect(response.status == .badRequest, "\(uri)")
                #expect(html.contains("class=\"card error\"") && html.contains(message), "\(uri): \(html.suffix(800))")
                #expect(!html.contains("{\"") && !html.contains("Fatal") && html.hasPrefix("<!doctype html>"), "\(uri)")
                #expect(html.contains("class=\"item"), "\(uri): the navigation stays")
            }
            // The funnel's and the plan's forms stay, with what was typed.
            let funnel = try await client.execute(uri: "/funnel?steps=view,teleport", method: .get, headers: cookie)
            #expect(funnel.text.contains("name=\"steps\" value=\"view,teleport\""))
        }
    }

    @Test("an empty workspace shows 暂无数据 with how to ingest on every page; B's session never sees A's data")
    func emptyAndIsolated() async throws {
        let fixture = try Self.generatedFixture()
        try await fixture.withClient { client in
            let b = try await Self.signIn(client, fixture.bRead)
            for page in DashboardPage.allCases {
                let response = try await client.execute(uri: page.path, method: .get, headers: b)
                #expect(response.status == .ok, "\(page)")
                #expect(response.text.contains("暂无数据") && response.text.contains("kehu ingest --workspace brand-b"), "\(page)")
                #expect(!response.text.contains("brand_a") && Self.chartCount(response.text) == 0, "\(page)")
            }
            let english = try await client.execute(uri: "/rfm?lang=en", method: .get, headers: b)
            #expect(english.text.contains("No data yet"))
            // A's session on the same server sees A.
            let a = try await Self.signIn(client, fixture.aRead)
            let response = try await client.execute(uri: "/aipl", method: .get, headers: a)
            #expect(response.text.contains("brand_a") && Self.chartCount(response.text) == 3)
        }
    }

    @Test("numbers are the analyses' numbers, formatted as users read them (hand-worked on six purchases)")
    func handWorkedOverview() async throws {
        // QueryTests.records: data ends 2026-06-14, so the period is 2026-05-16 ... 2026-06-14.
        // Payments in it: o1 ¥199.90 and o2 ¥88.00 by c1, o3 ¥123.45 by c3 (the ¥50 refund does
        // not change GMV): GMV = 19,990 + 8,800 + 12,345 = 41,135 fen = ¥411.35, buyers = 2,
        // AOV = 41,135 / 2 = 20,567.5 -> ¥205.68 (half up). Consumers: c1, c2, c3 (unionid and
        // member linked on one event), c4 = 4.
        let fixture = try ServerFixture(aRecords: QueryTests.records)
        try await fixture.withClient { client in
            let cookie = try await Self.signIn(client, fixture.aRead)
            let response = try await client.execute(uri: "/", method: .get, headers: cookie)
            let html = response.text
            #expect(response.status == .ok)
            #expect(html.contains("<div class=\"label\">消费者</div><div class=\"value\">4</div>"))
            #expect(html.contains("<div class=\"label\">GMV</div><div class=\"value\">¥411</div>"))
            #expect(html.contains("<div class=\"label\">买家</div><div class=\"value\">2</div>"))
            #expect(html.contains("<div class=\"label\">客单价</div><div class=\"value\">¥205.68</div>"))
            #expect(html.contains("¥411.35"))
            #expect(html.contains("周期 2026-05-16 至 2026-06-14（30 天）"))
        }
    }

    @Test("a page drawn once per snapshot and query: the same view again is the same page; new data draws it anew")
    func cachedPages() async throws {
        let fixture = try ServerFixture(aRecords: QueryTests.records)
        try await fixture.withClient { client in
            let cookie = try await Self.signIn(client, fixture.aRead)
            let first = try await client.execute(uri: "/", method: .get, headers: cookie).text
            let again = try await client.execute(uri: "/", method: .get, headers: cookie).text
            #expect(first == again)
            #expect(first.contains("<div class=\"label\">消费者</div><div class=\"value\">4</div>"))
            // Another language or period is another page.
            let english = try await client.execute(uri: "/?lang=en", method: .get, headers: cookie).text
            #expect(english != first && english.contains("Consumers"))
            // A fifth consumer's view on the last day: the data version moves, the overview counts 5.
            _ = try ingest([event("c5-v", TestClock.at(2026, 6, 14, hour: 9), .view, ["member:c5"])], into: fixture.a)
            let after = try await client.execute(uri: "/", method: .get, headers: cookie).text
            #expect(after.contains("<div class=\"label\">消费者</div><div class=\"value\">5</div>"), "a page of the old snapshot was served")
        }
    }

    @Test("the page cache: hits only on the same snapshot and key, keeps at most its capacity, never keeps a snapshot alive")
    func pageCache() throws {
        let cache = DashboardPageCache(capacity: 2)
        let (_, _, s1) = try snapshot(of: QueryTests.records)
        let page = DashboardPageCache.Page(html: "<p>1</p>", failed: false)
        #expect(cache.page(workspace: "a", snapshot: s1, key: "k1") == nil)
        cache.store(page, workspace: "a", snapshot: s1, key: "k1")
        #expect(cache.page(workspace: "a", snapshot: s1, key: "k1")?.html == "<p>1</p>")
        #expect(cache.page(workspace: "b", snapshot: s1, key: "k1") == nil, "another workspace")
        cache.store(page, workspace: "a", snapshot: s1, key: "k2")
        cache.store(page, workspace: "a", snapshot: s1, key: "k3")
        #expect(cache.page(workspace: "a", snapshot: s1, key: "k1") == nil, "the oldest page is dropped past the capacity")
        #expect(cache.page(workspace: "a", snapshot: s1, key: "k3") != nil)
        // Another snapshot of the same workspace: nothing of the first is served.
        let (_, _, s2) = try snapshot(of: QueryTests.records)
        #expect(cache.page(workspace: "a", snapshot: s2, key: "k3") == nil)
        cache.store(page, workspace: "a", snapshot: s2, key: "k3")
        #expect(cache.page(workspace: "a", snapshot: s1, key: "k3") == nil)
        #expect(cache.statistics.hits == 2)  // k1, then k3, both on s1
        // Held weakly: a snapshot nobody else holds is freed.
        weak var released: Snapshot?
        do {
            let (_, _, s3) = try snapshot(of: QueryTests.records)
            released = s3
            cache.store(page, workspace: "c", snapshot: s3, key: "k")
        }
        #expect(released == nil)
    }

    @Test("on a simulated brand the overview's GMV is the visitors analysis' GMV, in 万 (zh) and K (en)")
    func generatedOverview() async throws {
        let fixture = try Self.generatedFixture()
        try await fixture.withClient { client in
            let api = try await client.execute(uri: "/v1/analyses/visitors", method: .get, headers: bearer(fixture.aRead))
            guard case .number(let text)? = api.json["totalGmvFen"], let gmv = Int64(text) else {
                Issue.record("no totalGmvFen: \(api.text.prefix(300))")
                return
            }
            #expect(gmv > 1_000_000, "the simulated brand sells more than ¥10,000 in 30 days")
            let cookie = try await Self.signIn(client, fixture.aRead)
            for language in ChartLanguage.allCases {
                let html = try await client.execute(uri: "/?lang=\(language.rawValue)", method: .get, headers: cookie).text
                let shown = NumberFormat.compactMoney(fen: gmv, language: language)
                #expect(shown.hasSuffix(language == .zh ? "万" : "K") || shown.hasSuffix("M"))
                #expect(html.contains("<div class=\"label\">GMV</div><div class=\"value\">\(shown)</div>"), "\(language)")
            }
            // The consumers tile counts every consumer of the snapshot.
            let consumers = try fixture.a.buildSnapshot().consumerCount
            let html = try await client.execute(uri: "/", method: .get, headers: cookie).text
            #expect(html.contains("<div class=\"value\">\(NumberFormat.count(consumers))</div>"))
        }
    }

    @Test("a sign-in link works once, lands on a local page only, expires, dies with its key, and is never logged")
    func signInLinks() async throws {
        let fixture = try Self.generatedFixture()
        let log = LogCapture()
        try await fixture.withClient(log: log) { client in
            let token = fixture.links.mint(for: fixture.aRead)
            #expect(token.count == 32 && token.allSatisfy(\.isHexDigit))
            var response = try await client.execute(uri: SignInLinks.path(token: token, next: "/rfm?lang=en"), method: .get)
            #expect(response.status == .seeOther && response.headers[.location] == "/rfm?lang=en")
            let setCookie = try #require(response.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax") && !setCookie.contains(token))
            let page = try await client.execute(uri: "/rfm?lang=en", method: .get, headers: [.cookie: String(setCookie.prefix { $0 != ";" })])
            #expect(page.status == .ok && page.text.contains("brand_a"))
            // Used once: the second time it is refused.
            response = try await client.execute(uri: SignInLinks.path(token: token), method: .get)
            #expect(response.status == .unauthorized && response.text.contains("name=\"key\"") && response.headers[.setCookie] == nil)
            // Another site is never a destination.
            for next in ["//evil.example/x", "https://evil.example/", "/\\evil.example"] {
                response = try await client.execute(uri: SignInLinks.path(token: fixture.links.mint(for: fixture.aRead), next: next), method: .get)
                #expect(response.status == .seeOther && response.headers[.location] == "/", "\(next)")
            }
            response = try await client.execute(uri: "/session/link?token=" + String(repeating: "0", count: 32), method: .get)
            #expect(response.status == .unauthorized)
            // A revoked key's link is refused.
            let doomed = try APIKey.create(role: .read, in: fixture.a)
            let doomedToken = fixture.links.mint(for: doomed)
            #expect(try APIKeyStore.revoke(prefix: doomed.prefix, in: fixture.a))
            response = try await client.execute(uri: SignInLinks.path(token: doomedToken), method: .get)
            #expect(response.status == .unauthorized)
            #expect(!log.entries.contains { $0.contains(token) || $0.contains(doomedToken) })
            #expect(log.entries.contains { $0.contains("http.path=/session/link") })
        }
        // Expired: links that live a millisecond.
        let shortLived = SignInLinks(lifetime: .milliseconds(1))
        let app = Application(router: KehuServer.router(registry: WorkspaceRegistry(dataDirectory: fixture.dir.path), signInLinks: shortLived))
        try await app.test(.router) { client in
            let token = shortLived.mint(for: fixture.aRead)
            try await Task.sleep(for: .milliseconds(20))
            let response = try await client.execute(uri: SignInLinks.path(token: token), method: .get)
            #expect(response.status == .unauthorized)
        }
    }

    @Test("dates resolve against the data: as of the last day, 30 days ending it; presets relative to the as-of day")
    func dates() throws {
        let data = DayRange(Day(year: 2026, month: 1, day: 1), Day(year: 2026, month: 3, day: 31))
        var dates = try DashboardDates.resolve(DashboardQuery(), dataDays: data)
        // 03-31 minus 29 days is 03-02.
        #expect(dates.asOf == Day(year: 2026, month: 3, day: 31) && dates.period == DayRange(Day(year: 2026, month: 3, day: 2), dates.asOf))
        dates = try DashboardDates.resolve(DashboardQuery(values: ["as-of": "2026-03-15"]), dataDays: data)
        // 03-15 minus 29 days: 14 days back to 03-01, 15 more into February (28 days): 02-14.
        #expect(dates.period == DayRange(Day(year: 2026, month: 2, day: 14), Day(year: 2026, month: 3, day: 15)))
        let presets = dates.presets(.zh)
        #expect(presets.map(\.label) == ["近7天", "近30天", "近90天", "本月"])
        #expect(presets[0].from == Day(year: 2026, month: 3, day: 9) && presets[3].from == Day(year: 2026, month: 3, day: 1))
        dates = try DashboardDates.resolve(DashboardQuery(values: ["from": "2026-01-10", "to": "2026-01-20"]), dataDays: data)
        #expect(dates.asOf == data.last && dates.period.dayCount == 11)
        #expect(throws: AnalysisError.self) { try DashboardDates.resolve(DashboardQuery(values: ["from": "2026-02-01", "to": "2026-01-01"]), dataDays: data) }
        #expect(throws: AnalysisError.self) { try DashboardDates.resolve(DashboardQuery(values: ["as-of": "2026-02-30"]), dataDays: data) }
    }

    @Test("plan defaults: the latest 双11 that starts in the data; a target of 1.2 × the reference rounded up to 万")
    func planDefaults() {
        let day = { (y: Int, m: Int, d: Int) in Day(year: y, month: m, day: d) }
        #expect(PlanGapPage.latestDouble11(in: DayRange(day(2024, 11, 21), day(2026, 11, 20))) == DayRange(day(2026, 11, 1), day(2026, 11, 11)))
        #expect(PlanGapPage.latestDouble11(in: DayRange(day(2024, 10, 1), day(2025, 6, 30))) == DayRange(day(2024, 11, 1), day(2024, 11, 11)))
        #expect(PlanGapPage.latestDouble11(in: DayRange(day(2025, 1, 1), day(2025, 10, 31))) == nil)
        // ¥10,000 × 1.2 = ¥12,000 -> 2万; ¥50,000 × 1.2 = ¥60,000 = 6万 exactly; no sales: none.
        #expect(PlanGapPage.suggestedTarget(referenceGMVFen: 1_000_000) == "2万")
        #expect(PlanGapPage.suggestedTarget(referenceGMVFen: 5_000_000) == "6万")
        #expect(PlanGapPage.suggestedTarget(referenceGMVFen: 0) == nil)
    }

    @Test("links: lang first, then parameters sorted by name, percent-encoded")
    func links() {
        let query = DashboardQuery(language: .en, values: ["to": "2026-11-11", "steps": "view[channel=tmall],pay", "as-of": "2026-11-15"])
        #expect(query.link("/aipl") == "/aipl?lang=en&as-of=2026-11-15&to=2026-11-11")
        #expect(query.link("/funnel", keepPageValues: true, language: .zh)
            == "/funnel?lang=zh&as-of=2026-11-15&steps=view%5Bchannel%3Dtmall%5D%2Cpay&to=2026-11-11")
        #expect(query.link("/", ["to": nil, "from": "2026-11-01"]) == "/?lang=en&as-of=2026-11-15&from=2026-11-01")
    }
}
