import KehuModel
import KehuStore

extension PriceSensitivityReport {
    /// One consumer's purchases of one SKU on one day of the period.
    private struct Sale: Sendable {
        /// SKU code << 32 | day index in the period.
        var key: UInt64
        var units: Int64
        /// Sums over the priced purchases (known amount and a list price).
        var pricedAmountFen: Int64
        var pricedListFen: Int64
        var pricedUnits: Int64
        /// The consumer's first day with this SKU in the period (counts them once as its buyer).
        var firstForSKU: Bool
    }

    private struct Part: Sendable {
        var purchases = 0, judged = 0, discounted = 0, deep = 0, coupon = 0, buyers = 0, withoutSKU = 0
        var bandBuyers = [Int](repeating: 0, count: 4)
        var bandPurchases = [Int](repeating: 0, count: 4)
        var sales: [Sale] = []
    }

    static let bandNames: [(String, String)] = [("unknown", "无法判断"), ("none", "不敏感"), ("some", "偶尔折扣"), ("sensitive", "价格敏感")]

    /// Price sensitivity and 以价换量 over `period`.
    ///
    /// - Parameters:
    ///   - depth: discount depth as a fraction of list price, taken to 0.01% (basis points).
    ///   - couponDays: a coupon claimed at most this many days (× 24 h) before a payment, at or
    ///     before its instant, makes the payment discounted; 0 ignores coupons.
    /// - Complexity: O(events in the period and the coupon window before it) on all cores, plus
    ///   O(p log p) for the p purchases with a SKU.
    public static func compute(
        _ snapshot: Snapshot, period: DayRange, depth: Double = 0.2, couponDays: Int = 7, top: Int = 20
    ) -> PriceSensitivityReport {
        let calendar = AnalysisCalendar(snapshot)
        let start = calendar.start(of: period.first)
        let end = calendar.end(of: period.last)
        let basisPoints = Int64((depth * 10_000).rounded())
        let keep = 10_000 - basisPoints
        let couponWindow = Int64(couponDays) * 86_400_000
        let firstDay = period.first.index
        let commerce = snapshot.commerce
        let skuColumn = snapshot.fields[EventField.sku.rawValue]

        let parts = ConsumerPartitions.map(snapshot, partitions: 8) { range -> Part in
            var part = Part()
            for c in range {
                let last = Int(snapshot.eventStart[c + 1])
                var i = snapshot.firstEvent(of: c, atOrAfter: couponDays > 0 ? start - couponWindow : start)
                var lastCoupon = Int64.min
                var purchases = 0, judged = 0, discounted = 0
                let salesStart = part.sales.count
                while i < last {
                    let ts = snapshot.ts[i]
                    if ts >= end { break }
                    let kind = snapshot.kind[i]
                    if kind == .couponClaim {
                        lastCoupon = ts
                    } else if kind == .pay && ts >= start {
                        purchases += 1
                        let coupon = couponDays > 0 && lastCoupon != .min && lastCoupon >= ts - couponWindow
                        var units: Int64 = 1
                        var pricedAmount: Int64 = 0
                        var pricedList: Int64 = 0
                        var priced = false
                        if let row = commerce.row(of: i) {
                            let quantity = commerce.quantity[row]
                            if quantity > 0 { units = Int64(quantity) }
                            let amount = commerce.amount[row]
                            let list = commerce.listPrice[row]
                            if amount != Money.unknownFen, list != Money.unknownFen, list > 0 {
                                priced = true
                                pricedAmount = amount
                                pricedList = list * units
                            }
                        }
                        let deep = priced && pricedAmount * 10_000 <= pricedList * keep
                        if deep { part.deep += 1 }
                        if coupon { part.coupon += 1 }
                        if priced || coupon { judged += 1 }
                        if deep || coupon { discounted += 1 }
                        let sku = skuColumn[i]
                        if sku == 0 {
                            part.withoutSKU += 1
                        } else {
                            let key = UInt64(sku) << 32 | UInt64(UInt32(calendar.day(of: ts).index - firstDay))
                            var merged = false
                            var seenSKU = false
                            var s = salesStart
                            while s < part.sales.count {
                                if part.sales[s].key >> 32 == UInt64(sku) {
                                    seenSKU = true
                                    if part.sales[s].key == key {
                                        part.sales[s].units += units
                                        if priced {
                                            part.sales[s].pricedAmountFen += pricedAmount
                                            part.sales[s].pricedListFen += pricedList
                                            part.sales[s].pricedUnits += units
                                        }
                                        merged = true
                                        break
                                    }
                                }
                                s += 1
                            }
                            if !merged {
                                part.sales.append(
                                    Sale(
                                        key: key, units: units, pricedAmountFen: pricedAmount, pricedListFen: pricedList,
                                        pricedUnits: priced ? units : 0, firstForSKU: !seenSKU))
                            }
                        }
                    }
                    i += 1
                }
                guard purchases > 0 else { continue }
                part.buyers += 1
                part.purchases += purchases
                part.judged += judged
                part.discounted += discounted
                let band = judged == 0 ? 0 : discounted == 0 ? 1 : discounted * 2 >= judged ? 3 : 2
                part.bandBuyers[band] += 1
                part.bandPurchases[band] += purchases
            }
            return part
        }

        var total = Part()
        var sales: [Sale] = []
        sales.reserveCapacity(parts.reduce(0) { $0 + $1.sales.count })
        for part in parts {
            total.purchases += part.purchases
            total.judged += part.judged
            total.discounted += part.discounted
            total.deep += part.deep
            total.coupon += part.coupon
            total.buyers += part.buyers
            total.withoutSKU += part.withoutSKU
            for b in 0..<4 {
                total.bandBuyers[b] += part.bandBuyers[b]
                total.bandPurchases[b] += part.bandPurchases[b]
            }
            sales.append(contentsOf: part.sales)
        }
        sales.sort { $0.key < $1.key }

        let skuNames = snapshot.dictionaries[EventField.sku.rawValue]
        var skus: [SKUPriceVolume] = []
        var s = 0
        while s < sales.count {
            let sku = sales[s].key >> 32
            var row = SKUPriceVolume(
                sku: skuNames.string(UInt32(sku)) ?? "", units: 0, buyers: 0, regular: .init(), discounted: .init(),
                unclassifiedDays: 0, unclassifiedUnits: 0, elasticity: nil)
            while s < sales.count, sales[s].key >> 32 == sku {
                // One day of this SKU: sum its sales, then classify the day.
                let key = sales[s].key
                var units: Int64 = 0, buyers = 0, pricedAmount: Int64 = 0, pricedList: Int64 = 0, pricedUnits: Int64 = 0
                while s < sales.count, sales[s].key == key {
                    units += sales[s].units
                    buyers += 1
                    if sales[s].firstForSKU { row.buyers += 1 }
                    pricedAmount += sales[s].pricedAmountFen
                    pricedList += sales[s].pricedListFen
                    pricedUnits += sales[s].pricedUnits
                    s += 1
                }
                row.units += Int(units)
                if pricedUnits == 0 {
                    row.unclassifiedDays += 1
                    row.unclassifiedUnits += Int(units)
                    continue
                }
                let isDiscounted = pricedAmount * 10_000 <= pricedList * keep
                func add(_ day: inout SKUPriceVolume.DayClass) {
                    day.days += 1
                    day.units += Int(units)
                    day.buyerDays += buyers
                    day.pricedAmountFen += pricedAmount
                    day.pricedUnits += Int(pricedUnits)
                }
                if isDiscounted { add(&row.discounted) } else { add(&row.regular) }
            }
            row.elasticity = SKUPriceVolume.arcElasticity(regular: row.regular, discounted: row.discounted)
            skus.append(row)
        }
        let skuCount = skus.count
        skus.sort { $0.units != $1.units ? $0.units > $1.units : $0.sku < $1.sku }

        return PriceSensitivityReport(
            workspace: snapshot.workspace, period: period, depth: Double(basisPoints) / 10_000, depthBasisPoints: Int(basisPoints),
            couponDays: couponDays, top: top, purchases: total.purchases, judgedPurchases: total.judged,
            discountedPurchases: total.discounted, deepDiscountPurchases: total.deep, couponPurchases: total.coupon,
            buyers: total.buyers,
            bands: bandNames.indices.map {
                Band(band: bandNames[$0].0, chineseName: bandNames[$0].1, buyers: total.bandBuyers[$0], purchases: total.bandPurchases[$0])
            },
            priceSensitiveBuyers: total.bandBuyers[3], skuCount: skuCount, skus: Array(skus.prefix(top)),
            purchasesWithoutSKU: total.withoutSKU)
    }
}

extension Analysis {
    public static let price = Analysis(
        name: "price", title: "Price sensitivity",
        summary: "Buyers by share of purchases at a discount or with a coupon (价格敏感), and 以价换量 per SKU: "
            + "units and buyers on discounted vs regular-price days, arc elasticity.",
        parameters: [
            AnalysisParameter("from", .day, help: "First day of the period (default: 30 days ending `to`)."),
            AnalysisParameter("to", .day, help: "Last day of the period (default: the last day with data)."),
            AnalysisParameter("depth", .number, help: "Discount depth below list price, as a fraction.", default: "0.2"),
            AnalysisParameter("coupon-days", .integer, help: "A coupon claimed this many days before a payment makes it discounted (0: ignore coupons).", default: "7"),
            AnalysisParameter("top", .integer, help: "SKUs shown, by units.", default: "20"),
        ]
    ) { snapshot, arguments throws(AnalysisError) in
        PriceSensitivityReport.compute(
            snapshot, period: try arguments.period(defaultDays: 30, in: snapshot),
            depth: try arguments.number("depth", default: 0.2, in: 0.0001...0.99),
            couponDays: try arguments.integer("coupon-days", default: 7, in: 0...365),
            top: try arguments.integer("top", default: 20, in: 1...10_000))
    }
}
