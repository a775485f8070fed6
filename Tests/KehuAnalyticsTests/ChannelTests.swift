import Foundation
import Testing
import KehuModel
import KehuStore
import KehuTesting
@testable import KehuAnalytics

@Suite("Channel quality (渠道质量)")
struct ChannelTests {
    static let period = DayRange(Day(year: 2026, month: 6, day: 10), Day(year: 2026, month: 6, day: 20))

    /// Period 2026-06-10 .. 06-20 (Asia/Shanghai).
    ///
    /// m1 tmall/ad: paid order o0 on 06-01 (before the period: not new). In the period impression
    ///    06-10, cart 06-11, pay o1 100.00 06-12.
    /// m2 douyin/content: content_view 06-10 10:00, follow 06-10 11:00; tmall/search: view 06-11,
    ///    pay o2 50.00 06-12 (no I signal on tmall). New.
    /// m3 tmall/search: cart 06-13 (first event on tmall is an I signal), view, pay o3 30.00 06-14. New.
    /// m4 jd: order o4 paid 06-02 and refunded in full 06-03 (not a purchase: new); in the period
    ///    jd pay o5 80.00 06-15; pos pay o6 with unknown amount 06-16.
    /// m5 tmall view 06-25 only: outside the period.
    /// m6 tmall/ad: impression and cart at the same instant 06-18 (the cart is not *later*).
    /// m7 tmall: paid order o8 at 06-09 23:59 (just before the start: not new); favorite 06-19,
    ///    pay o7 20.00 06-20 23:59 (inside the period).
    ///
    /// tmall:  reached m1 m2 m3 m6 m7 = 5; A entrants m1 m2 m6 = 3, A→I m1 = 1;
    ///         interested m1 m3 m6 m7 = 4, I→P m1 m3 m7 = 3; buyers m1 m2 m3 m7 = 4;
    ///         GMV 100 + 50 + 30 + 20 = 200.00; new buyers m2 m3 = 2 (50%).
    /// douyin: reached 1, A entrants 1, A→I 1, interested 1, I→P 0, buyers 0.
    /// jd:     reached 1, A entrants 0, interested 0, buyers 1, GMV 80.00, new 1.
    /// pos:    reached 1, buyers 1, GMV 0 (1 unknown amount), new 1.
    /// total:  reached 6 (m1 m2 m3 m4 m6 m7); A entrants (first event in the period an A signal)
    ///         m1 m2 m6 = 3, A→I m1 m2 = 2; interested m1 m2 m3 m6 m7 = 5, I→P m1 m2 m3 m7 = 4
    ///         (m2 paid on tmall after following on douyin); buyers 5; GMV 280.00; new m2 m3 m4 = 3.
    static let records: [EventRecord] = {
        func at(_ d: Int, _ h: Int = 12, _ m: Int = 0) -> Int64 { TestClock.at(2026, 6, d, hour: h, minute: m) }
        return [
            event("m1-0", at(1), .pay, ["member:1"], order: "o0", amount: 5_000),
            event("m1-1", at(10), .impression, ["member:1"], touchpoint: "ad"),
            event("m1-2", at(11), .cart, ["member:1"], touchpoint: "ad"),
            event("m1-3", at(12), .pay, ["member:1"], touchpoint: "ad", order: "o1", amount: 10_000),
            event("m2-1", at(10, 10), .contentView, ["member:2"], channel: "douyin", touchpoint: "content", content: "v1"),
            event("m2-2", at(10, 11), .follow, ["member:2"], channel: "douyin", touchpoint: "content"),
            event("m2-3", at(11), .view, ["member:2"], touchpoint: "search"),
            event("m2-4", at(12), .pay, ["member:2"], touchpoint: "search", order: "o2", amount: 5_000),
            event("m3-1", at(13), .cart, ["member:3"], touchpoint: "search"),
            event("m3-2", at(13, 13), .view, ["member:3"], touchpoint: "search"),
            event("m3-3", at(14), .pay, ["member:3"], touchpoint: "search", order: "o3", amount: 3_000),
            event("m4-0", at(2), .pay, ["member:4"], channel: "jd", order: "o4", amount: 6_000),
            event("m4-1", at(3), .refund, ["member:4"], channel: "jd", order: "o4", amount: 6_000),
            event("m4-2", at(15), .pay, ["member:4"], channel: "jd", order: "o5", amount: 8_000),
            EventRecord(eventID: "m4-3", ts: at(16), kind: .pay, keys: ["member:4"], channel: "pos", orderID: "o6"),
            event("m5-1", at(25), .view, ["member:5"]),
            event("m6-1", at(18), .impression, ["member:6"], touchpoint: "ad"),
            event("m6-2", at(18), .cart, ["member:6"], touchpoint: "ad"),
            event("m7-0", at(9, 23, 59), .pay, ["member:7"], order: "o8", amount: 1_000),
            event("m7-1", at(19), .favorite, ["member:7"]),
            event("m7-2", at(20, 23, 59), .pay, ["member:7"], order: "o7", amount: 2_000),
        ]
    }()

    /// Lines 1-2 comments, 3 header, 4 blank; tmall 150.50 in two touchpoints, douyin 300 and
    /// wechat_mp 99.99 (a channel with no events in the period) without a touchpoint.
    static let costFile = """
        # spend for June
        # 单位: 元
        channel,touchpoint,cost

        tmall,ad,100
        tmall,search,50.50
        douyin,,300
        wechat_mp,,99.99
        """

    @Test("reach, A→I, I→P, buyers, GMV and new-to-brand buyers per channel follow the definitions")
    func perChannel() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let r = ChannelQualityReport.compute(s, period: Self.period)
        #expect(r.rows.map(\.channel) == ["tmall", "jd", "douyin", "pos"])
        let tmall = r.rows[0]
        #expect(tmall.reached == 5)
        #expect(tmall.awareEntrants == 3)
        #expect(tmall.awareToInterested == 1)
        #expect(tmall.interested == 4)
        #expect(tmall.interestedToPaid == 3)
        #expect(tmall.buyers == 4)
        #expect(tmall.gmvFen == 20_000)
        #expect(tmall.newBuyers == 2)
        #expect(tmall.newBuyerShare == 0.5)
        let jd = r.rows[1]
        #expect([jd.reached, jd.awareEntrants, jd.interested, jd.buyers, jd.newBuyers] == [1, 0, 0, 1, 1] as [Int])
        #expect(jd.gmvFen == 8_000)
        let douyin = r.rows[2]
        #expect([douyin.reached, douyin.awareEntrants, douyin.awareToInterested, douyin.interested, douyin.interestedToPaid, douyin.buyers]
            == [1, 1, 1, 1, 0, 0] as [Int])
        let pos = r.rows[3]
        #expect([pos.reached, pos.buyers, pos.newBuyers] == [1, 1, 1] as [Int])
        #expect(pos.gmvFen == 0)
        #expect(r.paymentsWithUnknownAmount == 1)
        let t = r.total
        #expect([t.reached, t.awareEntrants, t.awareToInterested, t.interested, t.interestedToPaid, t.buyers, t.newBuyers]
            == [6, 3, 2, 5, 4, 5, 3] as [Int])
        #expect(t.gmvFen == 28_000)
        #expect(t.costFen == nil && t.roi == nil)
    }

    /// Touchpoints: ad = m1 (buyer, 100.00) and m6; search = m2 and m3 (buyers, 50 + 30 = 80.00,
    /// both new); content = m2 on douyin; (none) = m4 (jd 80.00, pos unknown) and m7 (20.00):
    /// GMV 100.00. Order: GMV, then reach, then name: (none) and ad tie on 100.00 and 2.
    /// Pairs: tmall/ad 100.00; tmall/search 80.00 (reach 2) before jd/(none) 80.00 (reach 1);
    /// tmall/(none) 20.00 (m7); douyin/content and pos/(none) 0.00 with reach 1, by name.
    @Test("touchpoint and channel × touchpoint rows")
    func touchpoints() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let r = ChannelQualityReport.compute(s, period: Self.period, by: .touchpoint)
        #expect(r.rows.map(\.touchpoint) == ["(none)", "ad", "search", "content"])
        #expect(r.rows.allSatisfy { $0.channel == nil })
        #expect(r.rows.map(\.reached) == [2, 2, 2, 1])
        #expect(r.rows.map(\.gmvFen) == [10_000, 10_000, 8_000, 0])
        #expect(r.rows.map(\.newBuyers) == [1, 0, 2, 0])
        // tmall/search: m2 (view first: A entrant, no I) and m3 (cart first): A→I 0/1, I→P 1/1.
        let both = ChannelQualityReport.compute(s, period: Self.period, by: .both)
        let pairs = both.rows.map { "\($0.channel!)/\($0.touchpoint!)" }
        #expect(pairs == ["tmall/ad", "tmall/search", "jd/(none)", "tmall/(none)", "douyin/content", "pos/(none)"])
        let search = both.rows[1]
        #expect([search.reached, search.awareEntrants, search.awareToInterested, search.interested, search.interestedToPaid]
            == [2, 1, 0, 1, 1] as [Int])
        #expect(both.total.reached == 6 && both.total.gmvFen == 28_000)
    }

    /// By channel: tmall cost 100 + 50.50 = 150.50; per new buyer 150.50 / 2 = 75.25;
    /// ROI 200.00 / 150.50 = 1.3289 -> "1.33". douyin 300.00, no new buyer, ROI 0.00.
    /// wechat_mp 99.99 gets a row with no activity. jd and pos have no cost line: no cost, no ROI.
    /// Total cost 550.49; per new buyer 550.49 / 3 = 183.4967 -> 183.50; ROI 280 / 550.49 = 0.5086 -> "0.51".
    /// By touchpoint: ad 100.00, search 50.50 (per new buyer 25.25); douyin and wechat_mp lines
    /// have no touchpoint: 399.99 unattributed, in the total only.
    @Test("a cost file gives cost, cost per new buyer and ROI")
    func costs() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let costs = try ChannelCosts.parse(Self.costFile, source: "june.csv")
        #expect(costs.entries.map(\.line) == [5, 6, 7, 8])
        #expect(costs.entries.map(\.costFen) == [10_000, 5_050, 30_000, 9_999])
        #expect(costs.entries[2].touchpoint == nil)
        let r = ChannelQualityReport.compute(s, period: Self.period, costs: costs)
        #expect(r.rows.map(\.channel) == ["tmall", "jd", "douyin", "pos", "wechat_mp"])
        let tmall = r.rows[0]
        #expect(tmall.costFen == 15_050)
        #expect(tmall.costPerNewBuyerFen == 7_525)
        #expect(tmall.roi == 20_000.0 / 15_050.0)
        #expect(ChannelQualityReport.ratio(tmall.gmvFen, tmall.costFen!) == "1.33")
        let douyin = r.rows[2]
        #expect(douyin.costFen == 30_000 && douyin.costPerNewBuyerFen == nil && douyin.roi == 0)
        let wechat = r.rows[4]
        #expect(wechat.reached == 0 && wechat.costFen == 9_999)
        #expect(r.rows[1].costFen == nil && r.rows[1].costPerNewBuyerFen == nil && r.rows[1].roi == nil)
        #expect(r.total.costFen == 55_049)
        #expect(r.total.costPerNewBuyerFen == 18_350)
        #expect(ChannelQualityReport.ratio(r.total.gmvFen, r.total.costFen!) == "0.51")
        #expect(r.unattributedCostFen == 0)
        let text = r.rendered(as: .table)
        #expect(text.contains("¥75.25"))
        #expect(text.contains("1.33"))
        #expect(text.contains("¥183.50"))
        #expect(text.contains("costs: june.csv"))

        let byTouchpoint = ChannelQualityReport.compute(s, period: Self.period, by: .touchpoint, costs: costs)
        let search = try #require(byTouchpoint.rows.first { $0.touchpoint == "search" })
        #expect(search.costFen == 5_050 && search.costPerNewBuyerFen == 2_525)
        #expect(byTouchpoint.unattributedCostFen == 39_999)
        #expect(byTouchpoint.total.costFen == 55_049)
        #expect(byTouchpoint.rendered(as: .table).contains("¥399.99 of cost has no touchpoint"))
    }

    @Test("ROI and cost per new buyer round half up to two decimals / the fen")
    func rounding() {
        #expect(ChannelQualityReport.ratio(1, 8) == "0.13")  // 0.125
        #expect(ChannelQualityReport.ratio(2, 3) == "0.67")
        #expect(ChannelQualityReport.ratio(300, 100) == "3.00")
        #expect(ChannelQualityReport.ratio(5, 0) == "-")
        var row = ChannelQualityReport.Row(channel: "x", touchpoint: nil)
        row.newBuyers = 2
        row.apply(costFen: 101)  // 50.5 fen -> 51
        #expect(row.costPerNewBuyerFen == 51)
    }

    @Test(
        "cost file errors name the file, the line and the field",
        arguments: [
            ("# c\ntmall,ad,12.345\n", "june.csv:2: cost: '12.345': the amount has more than 2 decimals"),
            ("channel,touchpoint,cost\ntmall,ad\n", "june.csv:2: expected 3 fields channel,touchpoint,cost (touchpoint may be empty), found 2"),
            ("tmall,,1\n\n,ad,5\n", "june.csv:3: channel: the channel is empty"),
            ("tmall,ad,-5\n", "june.csv:1: cost: '-5': a cost cannot be negative"),
            ("tmall,ad,1\r\n# x\r\ntmall,live,¥30\r\n", "june.csv:3: cost: '¥30': the amount is not a decimal number of yuan"),
            ("tmall,ad,\n", "june.csv:1: cost: '': the amount is empty"),
            ("# only a comment\n\n", "june.csv: no cost lines"),
        ])
    func costErrors(text: String, message: String) {
        let error = #expect(throws: ChannelCostError.self) { try ChannelCosts.parse(text, source: "june.csv") }
        #expect(error.map { "\($0)".hasPrefix(message) } == true, "\(error.map { "\($0)" } ?? "no error")")
    }

    @Test("the catalogue analysis reads the cost file and reports a bad one as the costs parameter")
    func analysis() throws {
        let (dir, _, s) = try snapshot(of: Self.records)
        let good = dir.path + "/costs.csv"
        try Self.costFile.write(toFile: good, atomically: true, encoding: .utf8)
        let report = try Analysis.channels.run(s, AnalysisArguments(["from": "2026-06-10", "to": "2026-06-20", "costs": good]))
        let r = try #require(report as? ChannelQualityReport)
        #expect(r.total.costFen == 55_049)
        let bad = dir.path + "/bad.csv"
        try "tmall,ad,1\ntmall,,1.001\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let error = #expect(throws: AnalysisError.self) { try Analysis.channels.run(s, AnalysisArguments(["costs": bad])) }
        #expect(error.map { "\($0)".contains("bad.csv:2: cost: '1.001'") } == true, "\(String(describing: error))")
        #expect(throws: AnalysisError.self) { try Analysis.channels.run(s, AnalysisArguments(["by": "campaign"])) }
        // Default period: 30 days ending the last day with data (06-25).
        let defaults = try #require(try Analysis.channels.run(s, AnalysisArguments()) as? ChannelQualityReport)
        #expect(defaults.period == DayRange(Day(year: 2026, month: 5, day: 27), Day(year: 2026, month: 6, day: 25)))
    }

    @Test("on a generated brand, a plain recount from the definitions agrees with every figure")
    func generatedAgreesWithReference() throws {
        let (_, _, s) = try generatedSnapshot(consumers: 1_500, days: 400)
        let last = try #require(s.dataDays).last
        let period = DayRange(last.advanced(by: -59), last)
        let costs = ChannelCosts(source: "x", entries: [
            ChannelCosts.Entry(channel: "tmall", touchpoint: "ad", costFen: 1_234_567, line: 1),
            ChannelCosts.Entry(channel: "douyin", touchpoint: nil, costFen: 765_432, line: 2),
        ])
        for breakdown in ChannelBreakdown.allCases {
            let report = ChannelQualityReport.compute(s, period: period, by: breakdown, costs: costs)
            let reference = Self.reference(s, period: period, by: breakdown)
            var got: [String: [Int64]] = [:]
            for row in report.rows where row.reached > 0 {
                got[(row.channel ?? "") + "|" + (row.touchpoint ?? "")] = Self.figures(row)
            }
            #expect(got == reference.rows, "\(breakdown)")
            #expect(Self.figures(report.total) == reference.total, "\(breakdown)")
            #expect(report.total.buyers > 100 && report.total.awareToInterested > 0 && report.total.interestedToPaid > 0)
            #expect(report.total.newBuyers > 0 && report.total.newBuyers < report.total.buyers)
            #expect(report.total.costFen == 1_999_999)
        }
        let byChannel = ChannelQualityReport.compute(s, period: period, costs: costs)
        let douyin = try #require(byChannel.rows.first { $0.channel == "douyin" })
        #expect(douyin.costFen == 765_432)
        #expect(douyin.roi == Double(douyin.gmvFen) / 765_432)
    }

    static func figures(_ row: ChannelQualityReport.Row) -> [Int64] {
        [row.reached, row.awareEntrants, row.awareToInterested, row.interested, row.interestedToPaid, row.buyers, row.newBuyers]
            .map(Int64.init) + [row.gmvFen]
    }

    /// The definitions as plain loops over each consumer's events, keyed by names.
    static func reference(_ s: Snapshot, period: DayRange, by breakdown: ChannelBreakdown) -> (rows: [String: [Int64]], total: [Int64]) {
        let start = s.zone.start(of: period.first)
        let end = s.zone.end(of: period.last)
        let aKinds: Set<EventKind> = [.impression, .click, .categorySearch, .view, .contentView]
        let iKinds: Set<EventKind> = [.brandSearch, .favorite, .cart, .follow, .interact, .trial, .couponClaim, .memberJoin]
        var rows: [String: [Int64]] = [:]
        var total = [Int64](repeating: 0, count: 8)
        for c in 0..<s.consumerCount {
            // Paid before the start: an order with a payment before it, not refunded in full before it.
            var paid: [String: Int64] = [:]
            var refunded: [String: Int64] = [:]
            var unknownPaid: Set<String> = []
            var loosePayment = false
            var inPeriod: [(ts: Int64, kind: EventKind, key: String, amount: Int64)] = []
            for i in s.events(of: c) {
                let ts = s.ts[i]
                let kind = s.kind[i]
                if ts < start, kind == .pay || kind == .refund {
                    guard let order = s.value(.orderID, i) else {
                        if kind == .pay { loosePayment = true }
                        continue
                    }
                    if kind == .pay {
                        if let amount = s.amount(i) { paid[order, default: 0] += amount } else { unknownPaid.insert(order) }
                    } else {
                        refunded[order, default: 0] += s.amount(i) ?? 0
                    }
                }
                if ts >= start && ts < end {
                    let channel = s.value(.channel, i) ?? "(none)"
                    let touchpoint = s.value(.touchpoint, i) ?? "(none)"
                    let key: String
                    switch breakdown {
                    case .channel: key = channel + "|"
                    case .touchpoint: key = "|" + touchpoint
                    case .both: key = channel + "|" + touchpoint
                    }
                    inPeriod.append((ts, kind, key, kind == .pay ? s.amount(i) ?? 0 : 0))
                }
            }
            if inPeriod.isEmpty { continue }
            var hadPurchase = loosePayment || !unknownPaid.isEmpty
            for (order, amount) in paid where refunded[order, default: 0] < amount || refunded[order, default: 0] == 0 {
                _ = order
                hadPurchase = true
            }
            func tally(_ events: [(ts: Int64, kind: EventKind, key: String, amount: Int64)]) -> [Int64] {
                var out = [Int64](repeating: 0, count: 8)
                out[0] = 1
                if aKinds.contains(events[0].kind) {
                    out[1] = 1
                    if events.contains(where: { iKinds.contains($0.kind) && $0.ts > events[0].ts }) { out[2] = 1 }
                }
                if let firstI = events.first(where: { iKinds.contains($0.kind) }) {
                    out[3] = 1
                    if events.contains(where: { $0.kind == .pay && $0.ts > firstI.ts }) { out[4] = 1 }
                }
                if events.contains(where: { $0.kind == .pay }) {
                    out[5] = 1
                    if !hadPurchase { out[6] = 1 }
                }
                out[7] = events.filter { $0.kind == .pay }.reduce(0) { $0 + $1.amount }
                return out
            }
            for key in Set(inPeriod.map(\.key)) {
                let counts = tally(inPeriod.filter { $0.key == key })
                rows[key] = zip(rows[key] ?? [Int64](repeating: 0, count: 8), counts).map { $0 + $1 }
            }
            total = zip(total, tally(inPeriod)).map { $0 + $1 }
        }
        return (rows, total)
    }
}
