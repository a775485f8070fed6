import KehuIngest
import KehuModel
import KehuStore
import KehuTesting
import Testing
@testable import KehuActivation

/// Six hand-built consumers, evaluated as of 2026-06-30 (the last day with data). Windows of N
/// days ending 06-30: 7d = 06-24..06-30, 15d = 06-16..06-30, 30d = 06-01..06-30,
/// 365d = 2025-07-01..2026-06-30.
///
/// | consumer | keys | events |
/// |---|---|---|
/// | c1 | member:A, buyer:jd_a1, buyer:tm_a1, openid:oA | view 06-01 tmall 美妆; member_join 06-02; cart 06-20, 06-25 tmall; pay 06-25 ¥1,500 tmall 美妆 |
/// | c2 | member:B, buyer:dy_b | cart 05-31 douyin; cart 06-01 douyin; view 06-30 douyin 服饰 |
/// | c3 | member:C, buyer:c3plain | member_join 2025-11-01; pay 2025-12-01 ¥600 jd 美妆; member_leave 05-01; pay 06-10 ¥500 jd 美妆; view 06-15 jd |
/// | c4 | member:D, openid:oD | pay 06-30 23:00 ¥1,000.00 tmall |
/// | c5 | member:E, phone (hashed) | favorite 06-16 tmall; view 06-24 tmall |
/// | c6 | member:F | view 05-20 tmall; view 06-23 tmall |
///
/// Stages as of 06-30: c1 P (one paid order); c2 A (the 06-01 cart is before the 15-day I window,
/// the 06-30 view is in the A window); c3 L (two paid orders in 365 days); c4 P; c5 I (favorite on
/// 06-16, the first day of the I window); c6 A (view 06-23).
struct HandBuiltBrand {
    static let salt: [UInt8] = Array(repeating: 7, count: 32)
    static let phone = try! KeyHasher(salt: salt).identityKey(type: .phone, value: "13800138000")

    static func at(_ m: Int, _ d: Int, hour: Int = 12, year: Int = 2026) -> Int64 { TestClock.at(year, m, d, hour: hour) }

    static var records: [EventRecord] {
        [
            event("c1-1", at(6, 1), .view, ["member:A", "buyer:jd_a1"], channel: "tmall", category: "美妆"),
            event("c1-2", at(6, 2), .memberJoin, ["member:A", "buyer:tm_a1", "openid:oA"], channel: "tmall"),
            event("c1-3", at(6, 20), .cart, ["member:A"], channel: "tmall"),
            event("c1-4", at(6, 25), .cart, ["member:A"], channel: "tmall"),
            event("c1-5", at(6, 25, hour: 13), .pay, ["member:A"], channel: "tmall", order: "o1", amount: 150_000, category: "美妆"),
            event("c2-1", at(5, 31), .cart, ["member:B", "buyer:dy_b"], channel: "douyin"),
            event("c2-2", at(6, 1), .cart, ["member:B"], channel: "douyin"),
            event("c2-3", at(6, 30), .view, ["member:B"], channel: "douyin", category: "服饰"),
            event("c3-1", at(11, 1, year: 2025), .memberJoin, ["member:C", "buyer:c3plain"], channel: "jd"),
            event("c3-2", at(12, 1, year: 2025), .pay, ["member:C"], channel: "jd", order: "o3", amount: 60_000, category: "美妆"),
            event("c3-3", at(5, 1), .memberLeave, ["member:C"], channel: "jd"),
            event("c3-4", at(6, 10), .pay, ["member:C"], channel: "jd", order: "o4", amount: 50_000, category: "美妆"),
            event("c3-5", at(6, 15), .view, ["member:C"], channel: "jd"),
            event("c4-1", at(6, 30, hour: 23), .pay, ["member:D", "openid:oD"], channel: "tmall", order: "o5", amount: 100_000),
            event("c5-1", at(6, 16), .favorite, ["member:E", phone.description], channel: "tmall"),
            event("c5-2", at(6, 24), .view, ["member:E"], channel: "tmall"),
            event("c6-1", at(5, 20), .view, ["member:F"], channel: "tmall"),
            event("c6-2", at(6, 23), .view, ["member:F"], channel: "tmall"),
        ]
    }

    /// A workspace with the hand-built brand and its snapshot.
    static func make() throws -> (TemporaryDirectory, Workspace, Snapshot) {
        let dir = TemporaryDirectory()
        let workspace = try Workspace(dataDirectory: dir.path, name: "brand", create: true, newSalt: salt)
        try ingest(records, into: workspace)
        return (dir, workspace, try workspace.buildSnapshot())
    }
}

/// Rule tags from a dictionary, for evaluator tests without a workspace.
struct RuleTags: TagResolver {
    var rules: [String: String]
    func resolveTag(named name: String, in snapshot: Snapshot) throws -> ResolvedTag? { rules[name].map { .rule(expression: $0) } }
    func tagNames() throws -> [String] { rules.keys.sorted() }
}

@Suite struct AudienceEvaluationTests {
    /// The members of `text` as member keys (A...F), sorted.
    func members(_ text: String, _ snapshot: Snapshot, _ workspace: Workspace, asOf: Day? = nil, tags: (any TagResolver)? = nil) throws -> [String] {
        var evaluator = ExpressionEvaluator(snapshot: snapshot, asOf: asOf, tags: tags)
        return try evaluator.evaluate(text).members.map { c in
            let identity = try ConsumerIdentity.lookup(consumerID: snapshot.consumerIDs[c], in: workspace)!
            return identity.keys.first { $0.key.type == .member }!.key.value
        }.sorted()
    }

    @Test func sizesOnHandBuiltData() throws {
        let (_, workspace, snapshot) = try HandBuiltBrand.make()
        #expect(snapshot.consumerCount == 6)
        let cases: [(String, [String])] = [
            // c1 has carts on 06-20 and 06-25; c2's 05-31 cart is outside 30d, its 06-01 cart is the window's first day.
            ("count(cart, 30d) >= 2", ["A"]),
            ("count(cart, 30d) >= 1", ["A", "B"]),
            ("count(cart, 31d) >= 2", ["A", "B"]),
            ("count(cart, 30d) = 0", ["C", "D", "E", "F"]),
            ("count(cart, 30d, channel = douyin) >= 1", ["B"]),
            ("count(view, 30d, category in (美妆, 服饰)) >= 1", ["A", "B"]),
            // ¥1,500 and ¥600 + ¥500 = ¥1,100 are over ¥1,000; c4's ¥1,000.00 is not, but is >= 1000.
            ("sum(pay, 365d) > 1000", ["A", "C"]),
            ("sum(pay, 365d) >= 1000", ["A", "C", "D"]),
            ("sum(pay, 365d) > 999.99", ["A", "C", "D"]),
            ("sum(pay, 365d, channel = jd) = 1100", ["C"]),
            // c3's first payment is 2025-12-01; c4 paid 06-30 23:00, the last hour of the window.
            ("first(pay) within 30d", ["A", "D"]),
            ("first(pay) within 1d", ["D"]),
            // Views on 06-30 (c2) and 06-24 (c5, the window's first day); c6's 06-23 is one day early.
            ("last(view) within 7d", ["B", "E"]),
            ("stage = P", ["A", "D"]),
            ("stage in (I, P)", ["A", "D", "E"]),
            ("stage = L", ["C"]),
            ("stage in (A)", ["B", "F"]),
            ("stage = none", []),
            ("channel = jd", ["C"]),
            ("channel in (tmall)", ["A", "D", "E", "F"]),
            ("channel = weibo", []),
            // c3 joined and left; only c1 is a member on 06-30.
            ("member", ["A"]),
            ("category = 美妆", ["A", "C"]),
            // c1 and c3 paid for 美妆; c2 paid nothing and viewed 服饰.
            ("preferred category = 美妆", ["A", "C"]),
            ("preferred category = 服饰", ["B"]),
            // RFM on c1, c3, c4 (R 5, 20, 0 days; F 1, 2, 1; M ¥1,500, ¥1,100, ¥1,000):
            // scores c1 R2 F1 M4 (Others), c3 R1 F4 M2 (At Risk), c4 R4 F1 M1 (Potential Loyalist).
            ("rfm = potential_loyalist", ["D"]),
            ("rfm = \"At Risk\"", ["C"]),
            ("rfm in (others, at_risk)", ["A", "C"]),
            // Means R 25/3, F 4/3, M ¥1,200: c1 R high F low M high = 重要发展; c3 一般保持; c4 一般发展.
            ("rfm = 重要发展", ["A"]),
            ("rfm in (general_keep, general_develop)", ["C", "D"]),
            // Visitors on 06-30: c2, first ever view: new.
            ("visitor = new", ["B"]),
            // In 06-01..06-30: c1 (06-01), c2, c5 new; c6 returning (a 05-20 view); c3 old (paid 2025-12-01).
            ("visitor(30d) = new", ["A", "B", "E"]),
            ("visitor(30d) = returning", ["F"]),
            ("visitor(30d) = customer", ["C"]),
            // Combinations.
            ("stage in (I, P) and not member", ["D", "E"]),
            ("count(cart, 30d) >= 1 or stage = L", ["A", "B", "C"]),
            ("not (stage = P or stage = L)", ["B", "E", "F"]),
            ("stage != P and channel = tmall", ["E", "F"]),
        ]
        for (text, expected) in cases {
            #expect(try members(text, snapshot, workspace) == expected, "\(text)")
        }
    }

    @Test func windowsEndAtTheAsOfDay() throws {
        let (_, workspace, snapshot) = try HandBuiltBrand.make()
        let june29 = Day(year: 2026, month: 6, day: 29)
        // 7d = 06-23..06-29: c5 (06-24) and c6 (06-23, now the first day); c2's 06-30 view is after the day.
        #expect(try members("last(view) within 7d", snapshot, workspace, asOf: june29) == ["E", "F"])
        // c4's payment on 06-30 is after the day; only c1 (06-25) paid first in 30 days.
        #expect(try members("first(pay) within 30d", snapshot, workspace, asOf: june29) == ["A"])
        #expect(try members("stage = P", snapshot, workspace, asOf: june29) == ["A"])
        // As of 2026-05-31 c3 was no member (left 05-01); on 2026-04-30 they still were.
        #expect(try members("member", snapshot, workspace, asOf: Day(year: 2026, month: 4, day: 30)) == ["C"])
    }

    @Test func tagsInExpressionsAndCycles() throws {
        let (_, workspace, snapshot) = try HandBuiltBrand.make()
        let tags = RuleTags(rules: [
            "carters": "count(cart, 30d) >= 1", "vip": "tag:carters and stage = P",
            "a": "tag:b", "b": "stage = P or tag:a", "broken": "stage = Q",
        ])
        #expect(try members("tag:vip or stage = L", snapshot, workspace, tags: tags) == ["A", "C"])
        #expect(try members("tag:carters and not tag:vip", snapshot, workspace, tags: tags) == ["B"])

        var evaluator = ExpressionEvaluator(snapshot: snapshot, tags: tags)
        // "member or " is 10 characters: tag:a starts at 11.
        let cycle = #expect(throws: ExpressionError.self) { try evaluator.evaluate("member or tag:a") }
        #expect(cycle?.column == 11)
        #expect(cycle?.message == "tag 'a' refers to itself: a → b → a")
        let unknown = #expect(throws: ExpressionError.self) { try evaluator.evaluate("tag:nope") }
        #expect(unknown?.message == "unknown tag 'nope' (defined: a, b, broken, carters, vip)")
        let inner = #expect(throws: ExpressionError.self) { try evaluator.evaluate("stage = P and tag:broken") }
        #expect(inner?.column == 15)
        #expect(inner?.message.hasPrefix("in tag 'broken' (stage = Q): unknown stage 'Q'") == true)
        var untagged = ExpressionEvaluator(snapshot: snapshot)
        #expect(throws: ExpressionError.self) { try untagged.evaluate("tag:vip") }
    }
}
