import Foundation
import Testing
import KehuModel
import KehuStore
import KehuTesting
@testable import KehuAnalytics

@Suite("RFM")
struct RFMTests {
    static let asOf = Day(year: 2026, month: 6, day: 30)

    /// As of 2026-06-30 over 365 days (window 2025-07-01 .. 2026-06-30), eight RFM consumers:
    ///
    /// | key | paid orders in the window (not refunded in full by the end of 06-30) | R days | F | M |
    /// |---|---|---|---|---|
    /// | member:1 | 06-30 ¥100, 06-01 ¥50 | 0 | 2 | 150 |
    /// | member:2 | 06-30 ¥200 | 0 | 1 | 200 |
    /// | member:3 | 03-31, 04-30, 05-31 ¥30 each | 30 | 3 | 90 |
    /// | member:4 | 2026-01-01 ¥500 | 180 | 1 | 500 |
    /// | member:5 | 2025-07-01 ¥10 (first day of the window) | 364 | 1 | 10 |
    /// | member:6 | 06-10 ¥40 refunded ¥10 (06-12); 2025-06-30 ¥1000 is before the window | 20 | 1 | 30 |
    /// | member:7 | 02-01 ¥60; 06-20 ¥80 refunded in full 06-25 (not a purchase) | 149 | 1 | 60 |
    /// | member:8 | 06-15 ¥70 (refunded in full 07-02, after the as-of day) + 06-15 ¥30 | 15 | 2 | 100 |
    ///
    /// Not RFM consumers: member:9 (paid only on 07-01), member:10 (an order without payment).
    ///
    /// Scores s = 1 + floor(5 × worse / 8):
    /// R (worse = more days) 0,0,15,20,30,149,180,364: member 1, 2 → worse 6 → 4; member 8 → 5 → 4;
    ///   member 6 → 4 → 3; member 3 → 3 → 2; member 7 → 2 → 2; member 4 → 1 → 1; member 5 → 0 → 1.
    /// F: 1 (five consumers) → worse 0 → 1; 2 (members 1, 8) → worse 5 → 4; 3 (member 3) → worse 7 → 5.
    /// M sorted 10 (5), 30 (6), 60 (7), 90 (3), 100 (8), 150 (1), 200 (2), 500 (4): worse = position
    ///   → 1, 1, 2, 2, 3, 4, 4, 5.
    ///
    /// Segments (first match): 1 (4,4,4) Champions; 2 (4,1,4) Others; 3 (2,5,2) At Risk;
    /// 4 (1,1,5) Others; 5 (1,1,1) Lost; 6 (3,1,1) Potential Loyalist; 7 (2,1,2) About To Sleep;
    /// 8 (4,4,3) Loyal Customers.
    ///
    /// Means: R 758 / 8 = 94.75 days, F 12 / 8 = 1.5, M ¥1,140 / 8 = ¥142.50. R high: 1, 2, 3, 6, 8;
    /// F high: 1, 3, 8; M high: 1, 2, 4. Eight classes: 1 重要价值, 2 重要发展, 3 一般价值,
    /// 4 重要挽留, 5 一般挽留, 6 一般发展, 7 一般挽留, 8 一般价值.
    static let records: [EventRecord] = {
        func at(_ y: Int, _ m: Int, _ d: Int) -> Int64 { TestClock.at(y, m, d, hour: 10) }
        var n = 0
        func pay(_ key: String, _ order: String, _ ts: Int64, _ fen: Int64) -> EventRecord {
            n += 1
            return event("p\(n)", ts, .pay, [key], order: order, amount: fen)
        }
        func refund(_ key: String, _ order: String, _ ts: Int64, _ fen: Int64) -> EventRecord {
            n += 1
            return event("r\(n)", ts, .refund, [key], order: order, amount: fen)
        }
        return [
            pay("member:1", "o1a", at(2026, 6, 30), 10_000), pay("member:1", "o1b", at(2026, 6, 1), 5_000),
            pay("member:2", "o2", at(2026, 6, 30), 20_000),
            pay("member:3", "o3a", at(2026, 3, 31), 3_000), pay("member:3", "o3b", at(2026, 4, 30), 3_000),
            pay("member:3", "o3c", at(2026, 5, 31), 3_000),
            pay("member:4", "o4", at(2026, 1, 1), 50_000),
            pay("member:5", "o5", TestClock.at(2025, 7, 1, hour: 0, minute: 1), 1_000),
            pay("member:6", "o6old", TestClock.at(2025, 6, 30, hour: 23, minute: 59), 100_000),
            pay("member:6", "o6", at(2026, 6, 10), 4_000), refund("member:6", "o6", at(2026, 6, 12), 1_000),
            pay("member:7", "o7a", at(2026, 2, 1), 6_000), pay("member:7", "o7b", at(2026, 6, 20), 8_000),
            refund("member:7", "o7b", at(2026, 6, 25), 8_000),
            pay("member:8", "o8a", at(2026, 6, 15), 7_000), pay("member:8", "o8b", at(2026, 6, 15) + 60_000, 3_000),
            refund("member:8", "o8a", at(2026, 7, 2), 7_000),
            pay("member:9", "o9", at(2026, 7, 1), 9_900),
            event("x1", at(2026, 6, 1), .order, ["member:10"], order: "o10", amount: 500),
        ]
    }()

    struct Expected {
        var r: Int32, f: Int32, m: Int64, scores: [UInt8], segment: RFMSegment, valueClass: RFMValueClass
    }

    static let expected: [String: Expected] = [
        "member:1": Expected(r: 0, f: 2, m: 15_000, scores: [4, 4, 4], segment: .champions, valueClass: .importantValue),
        "member:2": Expected(r: 0, f: 1, m: 20_000, scores: [4, 1, 4], segment: .others, valueClass: .importantDevelop),
        "member:3": Expected(r: 30, f: 3, m: 9_000, scores: [2, 5, 2], segment: .atRisk, valueClass: .generalValue),
        "member:4": Expected(r: 180, f: 1, m: 50_000, scores: [1, 1, 5], segment: .others, valueClass: .importantRetain),
        "member:5": Expected(r: 364, f: 1, m: 1_000, scores: [1, 1, 1], segment: .lost, valueClass: .generalRetain),
        "member:6": Expected(r: 20, f: 1, m: 3_000, scores: [3, 1, 1], segment: .potentialLoyalist, valueClass: .generalDevelop),
        "member:7": Expected(r: 149, f: 1, m: 6_000, scores: [2, 1, 2], segment: .aboutToSleep, valueClass: .generalRetain),
        "member:8": Expected(r: 15, f: 2, m: 10_000, scores: [4, 4, 3], segment: .loyalCustomers, valueClass: .generalValue),
    ]

    @Test("R, F, M, scores, segments and eight classes by hand; window and refund boundaries")
    func handBuilt() throws {
        let (_, workspace, s) = try snapshot(of: Self.records)
        let t = RFMTable.compute(s, asOf: Self.asOf)
        #expect(t.count == 8)
        for (key, want) in Self.expected {
            let identity = try #require(try ConsumerIdentity.lookup(IdentityKey.parse(key), in: workspace))
            let c = try #require(s.denseIndex(ofConsumer: identity.consumerID))
            let row = try #require(t.row(ofConsumer: c), "\(key) should be an RFM consumer")
            #expect(t.recencyDays[row] == want.r, "\(key) R")
            #expect(t.frequency[row] == want.f, "\(key) F")
            #expect(t.monetaryFen[row] == want.m, "\(key) M")
            #expect([t.rScore[row], t.fScore[row], t.mScore[row]] == want.scores, "\(key) scores")
            #expect(t.segment[row] == want.segment, "\(key) segment")
            #expect(t.valueClass[row] == want.valueClass, "\(key) class")
        }
        for key in ["member:9", "member:10"] {
            let identity = try #require(try ConsumerIdentity.lookup(IdentityKey.parse(key), in: workspace))
            let c = try #require(s.denseIndex(ofConsumer: identity.consumerID))
            #expect(t.row(ofConsumer: c) == nil, "\(key) has no paid order in the window")
        }
        #expect(t.totalRecencyDays == 758)
        #expect(t.totalFrequency == 12)
        #expect(t.totalMonetaryFen == 114_000)

        // A day later member:9 joins, member:8's refund is still a day away, member:5's order
        // (2025-07-01) leaves the 365-day window.
        let later = RFMTable.compute(s, asOf: Self.asOf.advanced(by: 1))
        #expect(later.count == 8)
        // Two days later member:8's order o8a is refunded in full: F 1, M ¥30.
        let after = RFMTable.compute(s, asOf: Self.asOf.advanced(by: 2))
        let m8 = try #require(try ConsumerIdentity.lookup(IdentityKey.parse("member:8"), in: workspace))
        let c8 = try #require(s.denseIndex(ofConsumer: m8.consumerID))
        let row8 = try #require(after.row(ofConsumer: c8))
        #expect(after.frequency[row8] == 1)
        #expect(after.monetaryFen[row8] == 3_000)
        // With a 30-day window only the June/late-May buyers remain: 1, 2, 3 (05-31), 6, 8.
        #expect(RFMTable.compute(s, asOf: Self.asOf, days: 31).count == 5)
    }

    @Test("the report groups: counts, GMV shares and means add up")
    func report() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let r = RFMReport.compute(s, asOf: Self.asOf, days: 365)
        #expect(r.customers == 8)
        #expect(r.windowStart == Day(year: 2025, month: 7, day: 1))
        let segment = Dictionary(uniqueKeysWithValues: r.segments.map { ($0.name, $0) })
        #expect(segment["Others"]?.customers == 2)
        // Others: member:2 ¥200 + member:4 ¥500 = ¥700 of ¥1,140.
        #expect(segment["Others"]?.monetaryFen == 70_000)
        #expect(abs((segment["Others"]?.monetaryShare ?? 0) - 70_000.0 / 114_000.0) < 1e-12)
        #expect(segment["Others"]?.meanRecencyDays == 90)
        #expect(segment["New Customers"]?.customers == 0)
        #expect(r.segments.reduce(0) { $0 + $1.customers } == 8)
        let classes = Dictionary(uniqueKeysWithValues: r.valueClasses.map { ($0.chineseName, $0) })
        #expect(classes["一般挽留客户"]?.customers == 2)
        // 一般挽留: members 5 and 7: R (364 + 149) / 2, F 1, M (10 + 60) / 2 = ¥35.
        #expect(classes["一般挽留客户"]?.meanRecencyDays == 256.5)
        #expect(classes["一般挽留客户"]?.meanMonetaryFen == 3_500)
        #expect(classes["一般价值客户"]?.customers == 2)
        // Score bands: R score 4 covers 0-15 days (members 1, 2, 8).
        #expect(r.scoreBands[3].recencyConsumers == 3)
        #expect(r.scoreBands[3].recencyDaysMax == 15)
        let csv = r.exportTable(consumerIDs: s.consumerIDs).csv()
        #expect(csv.hasPrefix("consumer_id,recency_days,frequency,monetary_yuan,r_score,f_score,m_score,rfm_score,segment,value_class\n"))
        #expect(csv.contains(",0,2,150.00,4,4,4,444,Champions,重要价值客户\n"))
        #expect(csv.split(separator: "\n").count == 9)
        #expect(r.rendered(as: .table).contains("Potential Loyalist"))
    }

    @Test("ties share a score and the formula holds at the extremes")
    func scoreFormula() {
        // Values 5, 5, 5, 9: for higher-is-better each 5 has 0 worse → 1; 9 has 3 worse → 1 + 15/4 = 4.
        #expect(RFMTable.sortedScores([5, 5, 5, 9]) == [1, 1, 1, 4])
        #expect(RFMTable.smallValueScores([5, 5, 5, 9], higherIsBetter: true) == [1, 1, 1, 4])
        // Lower is better (recency): 9 has 0 worse → 1; each 5 has 1 worse → 1 + 5/4 = 2.
        #expect(RFMTable.smallValueScores([5, 5, 5, 9], higherIsBetter: false) == [2, 2, 2, 1])
        #expect(RFMTable.sortedScores([5, 5, 5, 9], higherIsBetter: false) == [2, 2, 2, 1])
        // All equal: nobody is worse, all score 1.
        #expect(RFMTable.sortedScores([7, 7, 7]) == [1, 1, 1])
        // Ten distinct values: 1,1,2,2,3,3,4,4,5,5.
        #expect(RFMTable.sortedScores((0..<10).map(Int64.init)) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
        // A single consumer scores 1; large values fall back to sorting: 1,000,000 has 2 worse
        // → 1 + 10/3 = 4; 2 has 1 worse → 1 + 5/3 = 2.
        #expect(RFMTable.smallValueScores([3], higherIsBetter: true) == [1])
        #expect(RFMTable.smallValueScores([1, 1_000_000, 2], higherIsBetter: true) == [1, 4, 2])
    }

    @Test("segment table: first match in the package's order")
    func segmentMapping() {
        #expect(RFMSegment.of(r: 5, f: 5, m: 5) == .champions)
        #expect(RFMSegment.of(r: 4, f: 4, m: 4) == .champions)
        #expect(RFMSegment.of(r: 2, f: 5, m: 5) == .loyalCustomers)
        #expect(RFMSegment.of(r: 5, f: 3, m: 3) == .loyalCustomers)
        #expect(RFMSegment.of(r: 3, f: 1, m: 1) == .potentialLoyalist)
        // New Customers (R 4-5, F 1, M 1) and Promising (R 3-4, F 1, M 1) lie inside Potential
        // Loyalist (R 3-5, F 1-3, M 1-3), which comes first: they are never reached.
        #expect(RFMSegment.of(r: 5, f: 1, m: 1) == .potentialLoyalist)
        #expect(RFMSegment.of(r: 4, f: 1, m: 1) == .potentialLoyalist)
        #expect(RFMSegment.of(r: 2, f: 2, m: 2) == .needAttention)
        #expect(RFMSegment.of(r: 2, f: 3, m: 2) == .needAttention)
        #expect(RFMSegment.of(r: 2, f: 1, m: 1) == .aboutToSleep)
        #expect(RFMSegment.of(r: 3, f: 2, m: 1) == .potentialLoyalist)
        #expect(RFMSegment.of(r: 1, f: 2, m: 5) == .atRisk)
        // Can't Lose Them (R 1, F 4-5, M 4-5) lies inside At Risk (R 1-2, F 2-5, M 2-5).
        #expect(RFMSegment.of(r: 1, f: 5, m: 5) == .atRisk)
        #expect(RFMSegment.of(r: 1, f: 1, m: 1) == .lost)
        #expect(RFMSegment.of(r: 2, f: 1, m: 2) == .aboutToSleep)
        #expect(RFMSegment.of(r: 1, f: 1, m: 5) == .others)
        #expect(RFMSegment.of(r: 5, f: 1, m: 5) == .others)
        #expect(RFMSegment.of(r: 3, f: 5, m: 1) == .others)
        // Exactly these three are unreachable; every other named segment is reached by some triple.
        var reached = Set<RFMSegment>()
        for r in UInt8(1)...5 { for f in UInt8(1)...5 { for m in UInt8(1)...5 { reached.insert(RFMSegment.of(r: r, f: f, m: m)) } } }
        #expect(Set(RFMSegment.allCases).subtracting(reached) == [.newCustomers, .promising, .cantLoseThem])
    }

    @Test("eight classes from three highs")
    func eightClasses() {
        #expect(RFMValueClass.of(rHigh: true, fHigh: true, mHigh: true).chineseName == "重要价值客户")
        #expect(RFMValueClass.of(rHigh: true, fHigh: false, mHigh: true).chineseName == "重要发展客户")
        #expect(RFMValueClass.of(rHigh: false, fHigh: true, mHigh: true).chineseName == "重要保持客户")
        #expect(RFMValueClass.of(rHigh: false, fHigh: false, mHigh: true).chineseName == "重要挽留客户")
        #expect(RFMValueClass.of(rHigh: true, fHigh: true, mHigh: false).chineseName == "一般价值客户")
        #expect(RFMValueClass.of(rHigh: true, fHigh: false, mHigh: false).chineseName == "一般发展客户")
        #expect(RFMValueClass.of(rHigh: false, fHigh: true, mHigh: false).chineseName == "一般保持客户")
        #expect(RFMValueClass.of(rHigh: false, fHigh: false, mHigh: false).chineseName == "一般挽留客户")
        for c in RFMValueClass.allCases { #expect(RFMValueClass.of(rHigh: c.rHigh, fHigh: c.fHigh, mHigh: c.mHigh) == c) }
    }

    @Test("on generated data a plain re-implementation agrees exactly")
    func generated() throws {
        let (_, _, s) = try generatedSnapshot()
        let asOf = try #require(s.dataDays).last
        let t = RFMTable.compute(s, asOf: asOf, days: 365)
        #expect(t.count > 200)

        // Reference: straight from events. Orders by id (or a lone payment without one); as of the
        // end of `asOf`, an order is a purchase when paid and its refunds do not cover its payments.
        let zone = s.zone
        let end = zone.end(of: asOf)
        let start = zone.start(of: asOf.advanced(by: -364))
        var rows: [(c: Int, r: Int, f: Int, m: Int64)] = []
        for c in 0..<s.consumerCount {
            var orders: [String: (first: Int64, paid: Int64, refunded: Int64, unknown: Bool, refundedInFull: Bool)] = [:]
            var loose = 0
            for i in s.events(of: c) where s.ts[i] < end && (s.kind[i] == .pay || s.kind[i] == .refund) {
                var id = s.value(.orderID, i) ?? ""
                if id.isEmpty {
                    guard s.kind[i] == .pay else { continue }
                    loose += 1
                    id = "loose-\(loose)"
                }
                var o = orders[id] ?? (.max, 0, 0, false, false)
                if s.kind[i] == .pay {
                    o.first = min(o.first, s.ts[i])
                    if let a = s.amount(i) { o.paid += a } else { o.unknown = true }
                } else if let a = s.amount(i) {
                    o.refunded += a
                }
                orders[id] = o
            }
            var f = 0
            var last = Int64.min
            var m: Int64 = 0
            for o in orders.values where o.first != .max && o.first >= start {
                let fullRefund = !o.unknown && o.refunded > 0 && o.refunded >= o.paid
                if fullRefund { continue }
                f += 1
                last = max(last, o.first)
                m += max(0, o.paid - o.refunded)
            }
            if f > 0 { rows.append((c, zone.day(ofUTC: last).distance(to: asOf), f, m)) }
        }
        #expect(rows.count == t.count)
        let n = rows.count
        func score(_ worse: Int) -> UInt8 { UInt8(1 + 5 * worse / n) }
        let sumR = rows.reduce(0) { $0 + $1.r }, sumF = rows.reduce(0) { $0 + $1.f }
        let sumM = rows.reduce(Int64(0)) { $0 + $1.m }
        var mismatches = 0
        for (i, row) in rows.enumerated() {
            let rs = score(rows.filter { $0.r > row.r }.count)
            let fs = score(rows.filter { $0.f < row.f }.count)
            let ms = score(rows.filter { $0.m < row.m }.count)
            var segment = RFMSegment.others
            for candidate in RFMSegment.allCases {
                guard let ranges = candidate.ranges else { continue }
                if ranges.r.contains(Int(rs)) && ranges.f.contains(Int(fs)) && ranges.m.contains(Int(ms)) {
                    segment = candidate
                    break
                }
            }
            let rHigh = Double(row.r) < Double(sumR) / Double(n)
            let fHigh = Double(row.f) > Double(sumF) / Double(n)
            let mHigh = Double(row.m) > Double(sumM) / Double(n)
            guard i < t.count, Int(t.consumer[i]) == row.c, Int(t.recencyDays[i]) == row.r, Int(t.frequency[i]) == row.f,
                t.monetaryFen[i] == row.m, t.rScore[i] == rs, t.fScore[i] == fs, t.mScore[i] == ms, t.segment[i] == segment,
                t.valueClass[i] == RFMValueClass.of(rHigh: rHigh, fHigh: fHigh, mHigh: mHigh)
            else {
                mismatches += 1
                continue
            }
        }
        #expect(mismatches == 0)
        // The generated brand should exercise more than one segment and class.
        #expect(Set(t.segment).count >= 4)
        #expect(Set(t.valueClass).count >= 4)
    }
}
