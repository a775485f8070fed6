import Foundation
import Testing
import KehuModel
import KehuStore
import KehuTesting
@testable import KehuAnalytics

@Suite("Price sensitivity (价格敏感) and 以价换量")
struct PriceTests {
    static let period = DayRange(Day(year: 2026, month: 6, day: 10), Day(year: 2026, month: 6, day: 12))

    static func pay(
        _ id: String, _ ts: Int64, _ consumer: String, sku: String, amount: Int64?, list: Int64?, quantity: Int32? = nil
    ) -> EventRecord {
        EventRecord(
            eventID: id, ts: ts, kind: .pay, keys: [consumer], channel: "tmall", sku: sku, orderID: "o-" + id,
            amount: amount, listPrice: list, quantity: quantity)
    }

    /// Period 2026-06-10 .. 06-12, depth 20%, coupon window 7 days. s1 lists at 100.00, s3 at 50.00.
    ///
    /// c1: 06-10 s1 ×3 for 240.00 (80.00 each: exactly 20% off, deep); 06-11 s1 ×2 for 180.00
    ///     (10% off). Judged 2, discounted 1 = 50% -> sensitive (≥50%).
    /// c2: coupon_claim 06-04 12:00. 06-10 12:00 s1 80.00 (deep, and a coupon 6 days before);
    ///     06-11 12:00 s1 100.00 (coupon exactly 7 days before: counted); 06-12 12:00 s1 100.00
    ///     (coupon 8 days before: not). Judged 3, discounted 2 -> sensitive.
    /// c3: 06-11 s2 50.00 without a list price, no coupon: not judged -> unknown band.
    /// c4: 06-12 s1 100.00 -> judged 1, discounted 0 -> none. Also pays before (06-09) and after
    ///     (06-13) the period: not counted.
    /// c5: 06-10 s1 70.00 (deep); 06-12 s1 80.01 (19.99% off: not deep) and s1 100.00.
    ///     Judged 3, discounted 1 -> some (<50%).
    /// c7: 06-11 s3 40.00 (exactly 20% off) -> sensitive.
    ///
    /// Purchases 2 + 3 + 1 + 1 + 3 + 1 = 11; judged 10; deep c1 c2 c5 c7 = 4; with a coupon 2;
    /// discounted 1 + 2 + 1 + 1 = 5. Buyers 6. Bands: unknown 1 (1 purchase), none 1 (1),
    /// some 1 (3), sensitive c1 c2 c7 = 3 (6 purchases).
    ///
    /// 以价换量, s1 (list 100.00):
    ///   06-10: c1 3 units 240.00, c2 80.00, c5 70.00 -> 390.00 for 5 units, list 500.00;
    ///          390 ≤ 500 × 0.8 = 400: discounted. 3 buyers.
    ///   06-11: c1 2 units 180.00, c2 100.00 -> 280.00 for 3 units, list 300.00: regular; 2 buyers.
    ///   06-12: c2 100.00, c4 100.00, c5 80.01 + 100.00 -> 380.01 for 4 units: regular; 3 buyers.
    ///   Units 12, buyers c1 c2 c4 c5 = 4. Discounted: 1 day, 5 units, 3 buyer-days, price 78.00.
    ///   Regular: 2 days, 7 units (3.5/day), 5 buyer-days, price 660.01 / 7 = 94.2871.
    ///   %ΔQ = (5 − 3.5) / 4.25 = 0.352941; %ΔP = (7800 − 9428.714) / 8614.357 = −0.189070;
    ///   elasticity = −1.8667.
    /// s2: 1 unit on a day without a priced sale: unclassified. s3: 1 day exactly 20% off:
    ///   discounted (boundary counted), no regular day: no elasticity.
    static let records: [EventRecord] = {
        func at(_ d: Int, _ h: Int = 12) -> Int64 { TestClock.at(2026, 6, d, hour: h) }
        return [
            pay("1a", at(10), "member:1", sku: "s1", amount: 24_000, list: 10_000, quantity: 3),
            pay("1b", at(11), "member:1", sku: "s1", amount: 18_000, list: 10_000, quantity: 2),
            event("2c", at(4), .couponClaim, ["member:2"]),
            pay("2a", at(10), "member:2", sku: "s1", amount: 8_000, list: 10_000),
            pay("2b", at(11), "member:2", sku: "s1", amount: 10_000, list: 10_000, quantity: 1),
            pay("2d", at(12), "member:2", sku: "s1", amount: 10_000, list: 10_000),
            pay("3a", at(11), "member:3", sku: "s2", amount: 5_000, list: nil),
            pay("4x", at(9), "member:4", sku: "s1", amount: 5_000, list: 10_000),
            pay("4a", at(12), "member:4", sku: "s1", amount: 10_000, list: 10_000),
            pay("4y", at(13), "member:4", sku: "s1", amount: 5_000, list: 10_000),
            pay("5a", at(10), "member:5", sku: "s1", amount: 7_000, list: 10_000),
            pay("5b", at(12, 9), "member:5", sku: "s1", amount: 8_001, list: 10_000),
            pay("5c", at(12, 15), "member:5", sku: "s1", amount: 10_000, list: 10_000),
            pay("7a", at(11), "member:7", sku: "s3", amount: 4_000, list: 5_000),
        ]
    }()

    @Test("discounted purchases and bands per buyer, the 20% boundary and the coupon window inclusive")
    func bands() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let r = PriceSensitivityReport.compute(s, period: Self.period)
        #expect(r.depthBasisPoints == 2_000)
        #expect(r.purchases == 11)
        #expect(r.judgedPurchases == 10)
        #expect(r.deepDiscountPurchases == 4)
        #expect(r.couponPurchases == 2)
        #expect(r.discountedPurchases == 5)
        #expect(r.buyers == 6)
        #expect(r.bands.map(\.band) == ["unknown", "none", "some", "sensitive"])
        #expect(r.bands.map(\.buyers) == [1, 1, 1, 3])
        #expect(r.bands.map(\.purchases) == [1, 1, 3, 6])
        #expect(r.priceSensitiveBuyers == 3)
    }

    @Test("以价换量: discounted and regular days per SKU, units, buyers and the arc elasticity")
    func skuDays() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let r = PriceSensitivityReport.compute(s, period: Self.period)
        #expect(r.skuCount == 3)
        #expect(r.skus.map(\.sku) == ["s1", "s2", "s3"])
        let s1 = r.skus[0]
        #expect(s1.units == 12 && s1.buyers == 4)
        #expect(s1.discounted == SKUPriceVolume.DayClass(days: 1, units: 5, buyerDays: 3, pricedAmountFen: 39_000, pricedUnits: 5))
        #expect(s1.regular == SKUPriceVolume.DayClass(days: 2, units: 7, buyerDays: 5, pricedAmountFen: 66_001, pricedUnits: 7))
        let elasticity = try #require(s1.elasticity)
        #expect(abs(elasticity - (-1.866724797102421)) < 1e-12)
        #expect(s1.unclassifiedDays == 0)
        let s2 = r.skus[1]
        #expect(s2.unclassifiedDays == 1 && s2.unclassifiedUnits == 1 && s2.elasticity == nil)
        let s3 = r.skus[2]
        #expect(s3.discounted.days == 1 && s3.regular.days == 0 && s3.elasticity == nil)
        let text = r.rendered(as: .table)
        #expect(text.contains("-1.87"))
        #expect(text.contains("¥78.00"))
        #expect(text.contains("¥94.29"))
    }

    /// With depth 0.25: c1's 80.00 and c2's 80.00 are no longer deep (c2 keeps its coupon);
    /// deep: c5's 70.00 only. Without coupons (0 days): c2's 06-11 purchase is regular.
    @Test("depth and the coupon window are parameters")
    func parameters() throws {
        let (_, _, s) = try snapshot(of: Self.records)
        let deeper = PriceSensitivityReport.compute(s, period: Self.period, depth: 0.25)
        #expect(deeper.deepDiscountPurchases == 1)
        #expect(deeper.discountedPurchases == 3)  // c2 twice by coupon, c5 once
        let noCoupons = PriceSensitivityReport.compute(s, period: Self.period, couponDays: 0)
        #expect(noCoupons.couponPurchases == 0)
        #expect(noCoupons.discountedPurchases == 4)
        // c2: 1 of 3 discounted -> some.
        #expect(noCoupons.bands.map(\.buyers) == [1, 1, 2, 2])
        let run = try Analysis.price.run(s, AnalysisArguments(["from": "2026-06-10", "to": "2026-06-12", "depth": "0.25"]))
        #expect((run as? PriceSensitivityReport)?.deepDiscountPurchases == 1)
        #expect(throws: AnalysisError.self) { try Analysis.price.run(s, AnalysisArguments(["depth": "20%"])) }
        #expect(throws: AnalysisError.self) { try Analysis.price.run(s, AnalysisArguments(["depth": "1.5"])) }
    }

    @Test("on a generated brand, a plain recount from the definitions agrees with every figure")
    func generatedAgreesWithReference() throws {
        let (_, _, s) = try generatedSnapshot(consumers: 1_500, days: 400)
        let last = try #require(s.dataDays).last
        let period = DayRange(last.advanced(by: -89), last)
        let r = PriceSensitivityReport.compute(s, period: period, depth: 0.2, couponDays: 7, top: 10_000)
        let ref = Self.reference(s, period: period, basisPoints: 2_000, couponDays: 7)
        #expect(r.purchases == ref.purchases)
        #expect(r.judgedPurchases == ref.judged)
        #expect(r.discountedPurchases == ref.discounted)
        #expect(r.deepDiscountPurchases == ref.deep)
        #expect(r.couponPurchases == ref.coupon)
        #expect(r.bands.map(\.buyers) == ref.bandBuyers)
        #expect(r.bands.map(\.purchases) == ref.bandPurchases)
        #expect(r.skuCount == ref.skus.count)
        for sku in r.skus {
            let expected = try #require(ref.skus[sku.sku])
            #expect([sku.units, sku.buyers, sku.regular.days, sku.regular.units, sku.regular.buyerDays, sku.discounted.days,
                     sku.discounted.units, sku.discounted.buyerDays, sku.unclassifiedDays] == expected.counts, "\(sku.sku)")
            #expect([sku.regular.pricedAmountFen, sku.discounted.pricedAmountFen] == expected.amounts, "\(sku.sku)")
            #expect(sku.elasticity == expected.elasticity, "\(sku.sku)")
        }
        // The generated brand discounts in campaigns, so both kinds of day and coupons occur.
        #expect(r.deepDiscountPurchases > 0 && r.couponPurchases > 0)
        #expect(r.skus.contains { $0.elasticity != nil })
        #expect(r.bands.allSatisfy { $0.band == "unknown" || $0.buyers > 0 })
    }

    /// The definitions as plain loops, keyed by SKU name and day.
    static func reference(_ s: Snapshot, period: DayRange, basisPoints: Int64, couponDays: Int64) -> (
        purchases: Int, judged: Int, discounted: Int, deep: Int, coupon: Int, bandBuyers: [Int], bandPurchases: [Int],
        skus: [String: (counts: [Int], amounts: [Int64], elasticity: Double?)]
    ) {
        let start = s.zone.start(of: period.first)
        let end = s.zone.end(of: period.last)
        var purchases = 0, judged = 0, discounted = 0, deep = 0, coupon = 0
        var bandBuyers = [0, 0, 0, 0], bandPurchases = [0, 0, 0, 0]
        struct DaySales { var units = 0, pricedUnits = 0, amount: Int64 = 0, list: Int64 = 0, buyers: Set<Int> = [] }
        var days: [String: [Day: DaySales]] = [:]
        var skuBuyers: [String: Set<Int>] = [:]
        for c in 0..<s.consumerCount {
            var coupons: [Int64] = []
            var mine = 0, myJudged = 0, myDiscounted = 0
            for i in s.events(of: c) {
                let ts = s.ts[i]
                if s.kind[i] == .couponClaim { coupons.append(ts) }
                guard s.kind[i] == .pay, ts >= start, ts < end else { continue }
                let row = s.commerce.row(of: i)
                let quantity = row.map { Int(s.commerce.quantity[$0]) } ?? 0
                let units = quantity > 0 ? quantity : 1
                let list = row.map { s.commerce.listPrice[$0] } ?? Money.unknownFen
                let amount = s.amount(i)
                let priced = amount != nil && list != Money.unknownFen && list > 0
                let isDeep = priced && Double(amount!) <= Double(list) * Double(units) * Double(10_000 - basisPoints) / 10_000
                let hasCoupon = couponDays > 0 && coupons.contains { $0 <= ts && ts - $0 <= couponDays * 86_400_000 }
                mine += 1
                if isDeep { deep += 1 }
                if hasCoupon { coupon += 1 }
                if priced || hasCoupon { myJudged += 1 }
                if isDeep || hasCoupon { myDiscounted += 1 }
                if let sku = s.value(.sku, i) {
                    let day = s.zone.day(ofUTC: ts)
                    var sales = days[sku, default: [:]][day, default: DaySales()]
                    sales.units += units
                    sales.buyers.insert(c)
                    if priced {
                        sales.pricedUnits += units
                        sales.amount += amount!
                        sales.list += list * Int64(units)
                    }
                    days[sku, default: [:]][day] = sales
                    skuBuyers[sku, default: []].insert(c)
                }
            }
            guard mine > 0 else { continue }
            purchases += mine
            judged += myJudged
            discounted += myDiscounted
            let share = myJudged == 0 ? -1.0 : Double(myDiscounted) / Double(myJudged)
            let band = share < 0 ? 0 : share == 0 ? 1 : share < 0.5 ? 2 : 3
            bandBuyers[band] += 1
            bandPurchases[band] += mine
        }
        var skus: [String: (counts: [Int], amounts: [Int64], elasticity: Double?)] = [:]
        for (sku, byDay) in days {
            var regular = SKUPriceVolume.DayClass(), disc = SKUPriceVolume.DayClass()
            var unclassified = 0
            var units = 0
            for (_, d) in byDay {
                units += d.units
                if d.pricedUnits == 0 {
                    unclassified += 1
                    continue
                }
                let isDiscounted = Double(d.amount) <= Double(d.list) * Double(10_000 - basisPoints) / 10_000
                if isDiscounted {
                    disc.days += 1; disc.units += d.units; disc.buyerDays += d.buyers.count
                    disc.pricedAmountFen += d.amount; disc.pricedUnits += d.pricedUnits
                } else {
                    regular.days += 1; regular.units += d.units; regular.buyerDays += d.buyers.count
                    regular.pricedAmountFen += d.amount; regular.pricedUnits += d.pricedUnits
                }
            }
            var elasticity: Double?
            if regular.days > 0, disc.days > 0 {
                let qr = Double(regular.units) / Double(regular.days), qd = Double(disc.units) / Double(disc.days)
                let pr = Double(regular.pricedAmountFen) / Double(regular.pricedUnits)
                let pd = Double(disc.pricedAmountFen) / Double(disc.pricedUnits)
                if pr != pd { elasticity = ((qd - qr) / ((qd + qr) / 2)) / ((pd - pr) / ((pd + pr) / 2)) }
            }
            skus[sku] = (
                [units, skuBuyers[sku]!.count, regular.days, regular.units, regular.buyerDays, disc.days, disc.units,
                 disc.buyerDays, unclassified],
                [regular.pricedAmountFen, disc.pricedAmountFen], elasticity
            )
        }
        return (purchases, judged, discounted, deep, coupon, bandBuyers, bandPurchases, skus)
    }
}
