import Foundation
import Testing
import KehuModel
import KehuStore
import KehuTesting
@testable import KehuAnalytics

/// Keys looked up without hashing (hand-built data has no phones or emails).
struct PlainDirectory: ConsumerDirectory {
    let workspace: Workspace

    func identity(forKey text: String) throws(AnalysisError) -> ConsumerIdentity? {
        do { return try ConsumerIdentity.lookup(IdentityKey.parse(text), in: workspace) } catch {
            throw .invalidParameter(parameter: "consumer", value: text, reason: "\(error)")
        }
    }

    func identity(ofConsumer id: UInt32) throws(AnalysisError) -> ConsumerIdentity? {
        do { return try ConsumerIdentity.lookup(consumerID: id, in: workspace) } catch {
            throw .insufficientData("\(error)")
        }
    }
}

@Suite("Consumer profile")
struct ProfileTests {
    static let asOf = Day(year: 2026, month: 6, day: 30)

    /// Consumer A (member:1 and buyer:tb1, linked by the first event), as of 2026-06-30:
    ///
    /// | day | event | channel | category | other |
    /// |---|---|---|---|---|
    /// | 2025-12-20 | view | tmall | 面霜 | campaign 双12 |
    /// | 2026-01-25 | member_join | tmall | | |
    /// | 2026-03-15 | content_view | douyin | 面霜 | content 种草视频A |
    /// | 2026-03-16 | cart | tmall | 面霜 | |
    /// | 2026-03-20 | pay o1 ¥160.00, 2 units, list ¥100.00 | tmall | 面霜 | campaign 38节 |
    /// | 2026-05-10 | pay o2 ¥90.00, 1 unit, list ¥100.00 | tmall | 精华 | |
    /// | 2026-06-20 | review | tmall | | |
    /// | 2026-06-25 | member_leave | tmall | | |
    /// | 2026-07-05 | view (after the as-of day: ignored) | tmall | 精华 | |
    ///
    /// B (member:2): 2026-06-01 pay o3 ¥300.00, 1 unit, list ¥300.00. C (member:3): 2026-06-28 pay
    /// o4 ¥50.00 (no list price). D (member:4): a view only.
    ///
    /// A by hand: 8 events; kinds view 1, content_view 1, cart 1, member_join 1, pay 2, review 1,
    /// member_leave 1. Member: joined 01-25, left 06-25 → "left".
    /// Categories: 5 events with one: 面霜 4 (80%), 精华 1 (20%). Channels: 8: tmall 7 (87.5%),
    /// douyin 1. Content: 种草视频A 1 of 1. Campaigns: 双12 1, 38节 1 of 2.
    /// Price: A paid ¥250.00 for 3 units → ¥83.33; brand ¥600.00 for 5 units → ¥120.00; ratio
    /// 0.694. o1 unit ¥80.00 is exactly 20% below list → discounted; o2 (10%) is not: 1 of 2.
    /// Stages at month ends (A 15d, I 15d, P 365d, L 2 orders): 2025-06-30 ... 2025-11-30 none;
    /// 2025-12-31 A (view 12-20); 2026-01-31 I (join 01-25); 02-28 none; 03-31 P; 04-30 P;
    /// 05-31 L (2 orders); now (06-30) L.
    /// RFM against A, B, C: R 51 / 29 / 2 days, F 2 / 1 / 1, M ¥250 / ¥300 / ¥50. A: R worse 0 → 1,
    /// F worse 2 → 1 + 10/3 = 4, M worse 1 → 1 + 5/3 = 2: (1, 4, 2) → At Risk. Means R 27.3, F 1.33,
    /// M ¥200: R low, F high, M high → 重要保持客户.
    static let records: [EventRecord] = {
        func at(_ y: Int, _ m: Int, _ d: Int) -> Int64 { TestClock.at(y, m, d, hour: 10) }
        func pay(_ id: String, _ ts: Int64, _ key: String, order: String, fen: Int64, units: Int32, list: Int64?, category: String?, campaign: String? = nil) -> EventRecord {
            EventRecord(
                eventID: id, ts: ts, kind: .pay, keys: [key], channel: "tmall", campaign: campaign, sku: nil,
                category: category, orderID: order, amount: fen, listPrice: list, quantity: units)
        }
        return [
            event("a1", at(2025, 12, 20), .view, ["member:1", "buyer:tb1"], campaign: "双12", category: "面霜"),
            event("a2", at(2026, 1, 25), .memberJoin, ["member:1"]),
            event("a3", at(2026, 3, 15), .contentView, ["member:1"], channel: "douyin", content: "种草视频A", category: "面霜"),
            event("a4", at(2026, 3, 16), .cart, ["member:1"], category: "面霜"),
            pay("a5", at(2026, 3, 20), "member:1", order: "o1", fen: 16_000, units: 2, list: 10_000, category: "面霜", campaign: "38节"),
            pay("a6", at(2026, 5, 10), "buyer:tb1", order: "o2", fen: 9_000, units: 1, list: 10_000, category: "精华"),
            event("a7", at(2026, 6, 20), .review, ["member:1"]),
            event("a8", at(2026, 6, 25), .memberLeave, ["member:1"]),
            event("a9", at(2026, 7, 5), .view, ["member:1"], category: "精华"),
            pay("b1", at(2026, 6, 1), "member:2", order: "o3", fen: 30_000, units: 1, list: 30_000, category: "精华"),
            pay("c1", at(2026, 6, 28), "member:3", order: "o4", fen: 5_000, units: 1, list: nil, category: nil),
            event("d1", at(2026, 6, 29), .view, ["member:4"]),
        ]
    }()

    @Test("keys, activity, membership, stage history, RFM and preferences by hand")
    func handBuilt() throws {
        let (_, workspace, s) = try snapshot(of: Self.records)
        let p = try ProfileReport.compute(s, consumer: "buyer:tb1", asOf: Self.asOf, directory: PlainDirectory(workspace: workspace))
        #expect(Set(p.keys?.map(\.key) ?? []) == ["member:1", "buyer:tb1"])
        #expect(p.events == 8)
        let kinds = Dictionary(uniqueKeysWithValues: p.eventsByKind.map { ($0.kind, $0.events) })
        let expectedKinds: [String: Int] = ["view": 1, "member_join": 1, "content_view": 1, "cart": 1, "pay": 2, "review": 1, "member_leave": 1]
        #expect(kinds == expectedKinds)
        #expect(p.member.status == "left")
        #expect(p.member.joined == Day(year: 2026, month: 1, day: 25))
        #expect(p.member.left == Day(year: 2026, month: 6, day: 25))
        #expect(p.firstSeen?.hasPrefix("2025-12-20") == true)
        #expect(p.lastSeen?.hasPrefix("2026-06-25") == true)

        #expect(p.stageHistory.count == 13)
        #expect(p.stageHistory.first?.day == Day(year: 2025, month: 6, day: 30))
        #expect(p.stageHistory[11].day == Day(year: 2026, month: 5, day: 31))
        #expect(p.stageHistory.last?.day == Self.asOf)
        #expect(p.stageHistory.map(\.stage) == ["-", "-", "-", "-", "-", "-", "A", "I", "-", "P", "P", "L", "L"])

        let rfm = try #require(p.rfm)
        #expect(rfm.recencyDays == 51 && rfm.frequency == 2 && rfm.monetaryFen == 25_000)
        #expect(rfm.rScore == 1 && rfm.fScore == 4 && rfm.mScore == 2)
        #expect(rfm.segment == "At Risk")
        #expect(rfm.valueClass == "重要保持客户")
        #expect(rfm.baseCustomers == 3)

        let prefs = Dictionary(uniqueKeysWithValues: p.preferences.map { ($0.field, $0) })
        let category = try #require(prefs["category"])
        #expect(category.events == 5)
        #expect(category.top.map(\.value) == ["面霜", "精华"])
        #expect(category.top.map(\.events) == [4, 1])
        #expect(category.top.first?.share == 0.8)
        #expect(prefs["channel"]?.top.map(\.value) == ["tmall", "douyin"])
        #expect(prefs["channel"]?.top.first?.share == 0.875)
        #expect(prefs["content"]?.top.map(\.value) == ["种草视频A"])
        #expect(Set(prefs["campaign"]?.top.map(\.value) ?? []) == ["双12", "38节"])
        #expect(prefs["campaign"]?.top.allSatisfy { $0.share == 0.5 } == true)

        #expect(p.price.units == 3)
        #expect(p.price.averageUnitPriceFen == 8_333)
        #expect(p.price.brandAverageUnitPriceFen == 12_000)
        #expect(abs((p.price.relativeToBrand ?? 0) - (25_000.0 / 3) / 12_000) < 1e-12)
        #expect(p.price.purchasesWithListPrice == 2)
        #expect(p.price.discountedPurchases == 1)
        #expect(p.clv != nil || p.clvNote != nil)

        // The same consumer by id, without a directory: no keys, same figures.
        let byID = try ProfileReport.compute(s, consumer: "#\(p.consumerID)", asOf: Self.asOf, directory: nil)
        #expect(byID.keys == nil)
        #expect(byID.rfm == p.rfm)
        #expect(byID.stageHistory == p.stageHistory)
        // Through the catalogue.
        let report = try Analysis.profile(directory: PlainDirectory(workspace: workspace))
            .run(s, AnalysisArguments(["consumer": "member:1", "as-of": "2026-06-30"]))
        #expect((report as? ProfileReport)?.consumerID == p.consumerID)
        #expect(report.rendered(as: .table).contains("重要保持客户"))
        #expect(p.clvNote != "not computed (clv=false)")

        // Without the CLV line (clv=false): the same card, and the CLV row says it was not asked for.
        let noCLV = try Analysis.profile(directory: PlainDirectory(workspace: workspace))
            .run(s, AnalysisArguments(["consumer": "member:1", "as-of": "2026-06-30", "clv": "false"]))
        let card = try #require(noCLV as? ProfileReport)
        #expect(card.clv == nil)
        #expect(card.clvNote == "not computed (clv=false)")
        #expect(card.rfm == p.rfm)
        #expect(card.stageHistory == p.stageHistory)
        #expect(card.price == p.price)
        #expect(noCLV.rendered(as: .table).contains("not computed (clv=false)"))
        #expect(throws: AnalysisError.self) {
            try Analysis.profile.run(s, AnalysisArguments(["consumer": "#\(p.consumerID)", "clv": "maybe"]))
        }
    }

    @Test("a consumer without purchases has no RFM and no CLV, and says so")
    func noPurchases() throws {
        let (_, workspace, s) = try snapshot(of: Self.records)
        let p = try ProfileReport.compute(s, consumer: "member:4", asOf: Self.asOf, directory: PlainDirectory(workspace: workspace))
        #expect(p.rfm == nil)
        #expect(p.rfmNote?.contains("no paid order") == true)
        #expect(p.clv == nil)
        #expect(p.clvNote != nil)
        #expect(p.member.status == "not a member")
        #expect(p.price.averageUnitPriceFen == nil)
        #expect(p.price.brandAverageUnitPriceFen == 12_000)
        #expect(p.stageHistory.last?.stage == "A")
    }

    @Test("unknown or malformed consumers are clear errors that name the parameter")
    func errors() throws {
        let (_, workspace, s) = try snapshot(of: Self.records)
        let directory = PlainDirectory(workspace: workspace)
        #expect {
            try ProfileReport.compute(s, consumer: "member:404", asOf: Self.asOf, directory: directory)
        } throws: { error in
            "\(error)".contains("consumer 'member:404'") && "\(error)".contains("no consumer has this key")
        }
        #expect(throws: AnalysisError.self) { try ProfileReport.compute(s, consumer: "hello", asOf: Self.asOf, directory: directory) }
        #expect(throws: AnalysisError.self) { try ProfileReport.compute(s, consumer: "#999999", asOf: Self.asOf, directory: directory) }
        #expect(throws: AnalysisError.self) { try ProfileReport.compute(s, consumer: "member:1", asOf: Self.asOf, directory: nil) }
        #expect {
            try ProfileReport.compute(s, consumer: "phone:13800138000", asOf: Self.asOf, directory: directory)
        } throws: { error in
            !"\(error)".contains("13800138000")
        }
        #expect(throws: AnalysisError.self) { try Analysis.profile.run(s, AnalysisArguments()) }
    }
}
