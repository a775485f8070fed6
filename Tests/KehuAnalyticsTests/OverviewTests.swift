import Testing
import KehuModel
import KehuStore
import KehuTesting
@testable import KehuAnalytics

@Suite("Workspace overview")
struct OverviewTests {
    /// Hand-built brand, all on 2026-06-01 (Asia/Shanghai):
    ///
    /// consumer member:1  tmall: view; order o1 pay 100.00; order o2 pay 50.00, refund 20.00 (partial)
    /// consumer member:2  jd:    view; order o3 pay 30.00, refund 30.00 (full: not a purchase)
    /// consumer member:3  pos:   order o4 pay 80.00 (no visit)
    /// consumer member:4  tmall: order o5 without payment (unpaid)
    /// consumer buyer:t9  taobao: pay o6 with unknown amount (Taobao UserBehavior style)
    ///
    /// GMV = 100 + 50 + 30 + 80 = 260.00 (unknown adds nothing); refunds = 20 + 30 = 50.00;
    /// net sales = 210.00. Paid orders: o1, o2, o4, o6 = 4 (o3 fully refunded, o5 unpaid).
    /// Buyers: member:1, member:3, buyer:t9 = 3. AOV = 260.00 / 4 = 65.00.
    /// By channel: tmall GMV 150.00 (orders o1, o2; buyers 1; consumers 2), pos 80.00, jd 30.00
    /// (0 paid orders, 0 buyers), taobao 0.00 with 1 paid order and 1 buyer.
    static let records: [EventRecord] = {
        let t = TestClock.june1 + 10 * TestClock.hour
        return [
            event("1", t, .view, ["member:1"]),
            event("2", t + 1, .order, ["member:1"], order: "o1", amount: 10000),
            event("3", t + 2, .pay, ["member:1"], order: "o1", amount: 10000),
            event("4", t + 3, .order, ["member:1"], order: "o2", amount: 5000),
            event("5", t + 4, .pay, ["member:1"], order: "o2", amount: 5000),
            event("6", t + 5, .refund, ["member:1"], order: "o2", amount: 2000),
            event("7", t, .view, ["member:2"], channel: "jd"),
            event("8", t + 1, .pay, ["member:2"], channel: "jd", order: "o3", amount: 3000),
            event("9", t + 2, .refund, ["member:2"], channel: "jd", order: "o3", amount: 3000),
            event("10", t, .pay, ["member:3"], channel: "pos", order: "o4", amount: 8000),
            event("11", t, .order, ["member:4"], order: "o5", amount: 999),
            EventRecord(eventID: "12", ts: t, kind: .pay, keys: ["buyer:t9"], channel: "taobao", orderID: "o6"),
        ]
    }()

    @Test("GMV, refunds, paid orders and buyers follow the definitions")
    func figures() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let o = WorkspaceOverview.compute(s)
        #expect(o.events == 12)
        #expect(o.consumers == 5)
        #expect(o.gmvFen == 26_000)
        #expect(o.refundsFen == 5_000)
        #expect(o.netSalesFen == 21_000)
        #expect(o.paidOrders == 4)
        #expect(o.fullyRefundedOrders == 1)
        #expect(o.paymentsWithUnknownAmount == 1)
        #expect(o.buyers == 3)
        #expect(o.firstDay == Day(year: 2026, month: 6, day: 1))
        let tmall = try #require(o.channels.first { $0.channel == "tmall" })
        #expect(tmall.gmvFen == 15_000)
        #expect(tmall.paidOrders == 2)
        #expect(tmall.buyers == 1)
        #expect(tmall.consumers == 2)
        let jd = try #require(o.channels.first { $0.channel == "jd" })
        #expect(jd.gmvFen == 3_000)
        #expect(jd.paidOrders == 0)
        #expect(jd.buyers == 0)
        let taobao = try #require(o.channels.first { $0.channel == "taobao" })
        #expect(taobao.gmvFen == 0)
        #expect(taobao.buyers == 1)
        #expect(o.channels.map(\.channel) == ["tmall", "pos", "jd", "taobao"])
    }

    @Test("the table shows yuan with separators and the notes on refunds and unknown amounts")
    func rendering() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let text = WorkspaceOverview.compute(s).rendered(as: .table)
        #expect(text.contains("¥260.00"))
        #expect(text.contains("¥65.00"))
        #expect(text.contains("1 orders refunded in full"))
        #expect(text.contains("1 payments have no amount"))
        let json = WorkspaceOverview.compute(s).rendered(as: .json)
        #expect(json.contains("\"gmvFen\" : 26000"))
    }

    @Test("a free (zero-amount) payment without refunds is a purchase; zero refunds do not cancel it")
    func freeOrder() throws {
        // member:1 pays 0.00 for o1 (a gift): 1 paid order, 1 buyer, GMV 0.00, nothing refunded in full.
        let (_, _, s) = try snapshot(of: [event("z1", TestClock.june1, .pay, ["member:1"], order: "o1", amount: 0)])
        let o = WorkspaceOverview.compute(s)
        #expect(o.paidOrders == 1)
        #expect(o.buyers == 1)
        #expect(o.fullyRefundedOrders == 0)
        #expect(PaidOrder.all(in: s).count == 1)
    }

    @Test("overview on generated-size data agrees with a plain recount over the snapshot")
    func agreesWithRecount() throws {
        // 300 consumers with deterministic pseudo-random orders, payments and refunds.
        var records: [EventRecord] = []
        var state: UInt64 = 42
        func next() -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) }
        for n in 0..<3000 {
            let consumer = next() % 300
            let order = "o\(next() % 900)"
            let kind: EventKind = [.view, .order, .pay, .pay, .refund][next() % 5]
            let amount: Int64? = kind == .view ? nil : Int64(next() % 50_000 + 1)
            records.append(event("g\(n)", TestClock.june1 + Int64(n) * 60_000, kind, ["member:\(consumer)"],
                                 channel: ["tmall", "jd", "douyin"][next() % 3], order: kind == .view ? nil : order, amount: amount))
        }
        let (_, _, s) = try snapshot(of: records)
        let o = WorkspaceOverview.compute(s)
        // The simple way: walk the records themselves.
        let gmv = records.filter { $0.kind == .pay }.reduce(Int64(0)) { $0 + $1.amount! }
        let refunds = records.filter { $0.kind == .refund }.reduce(Int64(0)) { $0 + $1.amount! }
        var paid: [String: Int64] = [:], refunded: [String: Int64] = [:], owner: [String: Set<String>] = [:]
        for r in records where r.kind == .pay || r.kind == .refund {
            let key = r.keys[0] + "/" + r.orderID!
            if r.kind == .pay { paid[key, default: 0] += r.amount! } else { refunded[key, default: 0] += r.amount! }
            owner[r.keys[0], default: []].insert(key)
        }
        let purchases = paid.filter { refunded[$0.key, default: 0] == 0 || refunded[$0.key, default: 0] < $0.value }
        let buyers = Set(purchases.keys.map { String($0.split(separator: "/")[0]) })
        #expect(o.gmvFen == gmv)
        #expect(o.refundsFen == refunds)
        #expect(o.paidOrders == purchases.count)
        #expect(o.buyers == buyers.count)
        #expect(o.events == 3000)
    }
}
