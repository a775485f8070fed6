import KehuModel
import KehuStore

/// Price sensitivity (价格敏感, DESIGN 4.8) over a period: per buyer, the share of their judged
/// purchases made at a discount (at least `depth` below list price, or with a coupon claimed
/// shortly before), summarised in bands; and 以价换量 per SKU (``SKUPriceVolume``): units and
/// buyers on discounted against regular-price days, and the implied arc elasticity.
/// `docs/definitions.md` defines every figure.
public struct PriceSensitivityReport: Report {
    public var workspace: String
    public var period: DayRange
    /// The discount depth as a fraction of list price, to 0.01% (`depthBasisPoints` / 10,000).
    public var depth: Double
    public var depthBasisPoints: Int
    /// A `coupon_claim` at most this many days (× 24 h) before a payment makes it discounted.
    public var couponDays: Int
    public var top: Int

    /// `pay` events in the period.
    public var purchases: Int
    /// Purchases that can be judged: a known amount and a list price, or a coupon.
    public var judgedPurchases: Int
    /// Judged purchases at a discount: deep enough below list price, or with a coupon.
    public var discountedPurchases: Int
    /// Purchases at least `depth` below list price.
    public var deepDiscountPurchases: Int
    /// Purchases with a coupon claimed within `couponDays` before.
    public var couponPurchases: Int
    /// Consumers with a purchase in the period.
    public var buyers: Int
    /// Buyers per band, in the order unknown, none, some, sensitive.
    public var bands: [Band]
    /// Buyers with at least half of their judged purchases discounted (价格敏感人群).
    public var priceSensitiveBuyers: Int
    /// SKUs with a purchase in the period, by units (the first `top` are in ``skus``).
    public var skuCount: Int
    public var skus: [SKUPriceVolume]
    /// Purchases without a SKU (not in the SKU table).
    public var purchasesWithoutSKU: Int

    /// Buyers by the share of their judged purchases that were discounted.
    public struct Band: Sendable, Codable, Hashable {
        /// `unknown` (no judged purchase), `none` (0%), `some` (more than 0%, less than 50%),
        /// `sensitive` (50% or more).
        public var band: String
        public var chineseName: String
        public var buyers: Int
        /// Their purchases in the period (judged or not).
        public var purchases: Int
    }

    public var title: String { "Price sensitivity (价格敏感) and 以价换量 · \(workspace)" }

    public var parameters: [ReportParameter] {
        [
            ReportParameter("period", "\(period.first)..\(period.last)"),
            ReportParameter("depth", "≥\(Self.percentText(basisPoints: depthBasisPoints)) below list price"),
            ReportParameter("coupon window", "\(couponDays)d before payment"), ReportParameter("top", "\(top)"),
        ]
    }

    static func percentText(basisPoints: Int) -> String {
        let whole = basisPoints / 100
        let rest = basisPoints % 100
        if rest == 0 { return "\(whole)%" }
        if rest % 10 == 0 { return "\(whole).\(rest / 10)%" }
        return "\(whole)." + (rest < 10 ? "0\(rest)" : "\(rest)") + "%"
    }

    public func tables() -> [TextTable] {
        var bandTable = TextTable(title: "Buyers by share of discounted purchases", headers: ["band", "档位", "buyers", "share", "purchases"])
        for band in bands {
            let label: String
            switch band.band {
            case "none": label = "0% discounted"
            case "some": label = "<50% discounted"
            case "sensitive": label = "≥50% discounted"
            default: label = "not judged"
            }
            bandTable.rows.append([label, band.chineseName, Figures.grouped(band.buyers), Figures.percent(band.buyers, buyers),
                                   Figures.grouped(band.purchases)])
        }
        bandTable.footnotes = [
            "price-sensitive buyers (≥50%): \(Figures.grouped(priceSensitiveBuyers)) of \(Figures.grouped(buyers)) buyers",
            "purchases: \(Figures.grouped(purchases)) · judged (list price and amount, or a coupon): \(Figures.grouped(judgedPurchases))"
                + " · discounted: \(Figures.grouped(discountedPurchases)) (\(Figures.percent(discountedPurchases, judgedPurchases)))"
                + " · ≥\(Self.percentText(basisPoints: depthBasisPoints)) off list: \(Figures.grouped(deepDiscountPurchases))"
                + " · with a coupon: \(Figures.grouped(couponPurchases))",
        ]
        var skuTable = TextTable(
            title: "以价换量: discounted vs regular-price days per SKU (top \(top) by units)",
            headers: ["sku", "units", "reg days", "disc days", "reg units/day", "disc units/day", "reg buyers/day",
                      "disc buyers/day", "reg price", "disc price", "elasticity"])
        func rate(_ n: Int, _ d: Int) -> String { d == 0 ? "-" : Self.decimal(Double(n) / Double(d), places: 1) }
        for sku in skus {
            skuTable.rows.append([
                sku.sku, Figures.grouped(sku.units), Figures.grouped(sku.regular.days), Figures.grouped(sku.discounted.days),
                rate(sku.regular.units, sku.regular.days), rate(sku.discounted.units, sku.discounted.days),
                rate(sku.regular.buyerDays, sku.regular.days), rate(sku.discounted.buyerDays, sku.discounted.days),
                sku.regular.averagePriceFen.map { Money.format(fen: Int64($0.rounded())) } ?? "-",
                sku.discounted.averagePriceFen.map { Money.format(fen: Int64($0.rounded())) } ?? "-",
                sku.elasticity.map { Self.decimal($0, places: 2) } ?? "-",
            ])
        }
        skuTable.footnotes = [
            "A day is discounted when the SKU's average realised unit price that day is ≥\(Self.percentText(basisPoints: depthBasisPoints))"
                + " below its list price; days without a priced sale are left out. Elasticity: arc, (%Δ units/day) / (%Δ price).",
            "\(Figures.grouped(skuCount)) SKUs sold in the period"
                + (purchasesWithoutSKU > 0 ? " · \(Figures.grouped(purchasesWithoutSKU)) purchases without a SKU" : ""),
        ]
        return [bandTable, skuTable]
    }

    /// `value` with a fixed number of decimals (half away from zero).
    static func decimal(_ value: Double, places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int64(scaled / scale)
        let fraction = Int64(scaled) - whole * Int64(scale)
        var digits = String(fraction)
        while digits.count < places { digits = "0" + digits }
        let sign = value < 0 && scaled != 0 ? "-" : ""
        return sign + "\(whole)" + (places > 0 ? "." + digits : "")
    }
}

/// 以价换量 for one SKU: its days in the period with a priced sale, split into discounted days
/// and regular-price days.
public struct SKUPriceVolume: Sendable, Codable, Hashable {
    public var sku: String
    /// Units sold in the period (quantity, 1 when absent), on every day.
    public var units: Int
    /// Consumers who bought it in the period.
    public var buyers: Int
    public var regular: DayClass
    public var discounted: DayClass
    /// Days with sales but no priced sale (no list price or no amount), and their units.
    public var unclassifiedDays: Int
    public var unclassifiedUnits: Int
    /// Arc elasticity between regular and discounted days; nil without both kinds of day or
    /// without a price difference.
    public var elasticity: Double?

    /// Totals over the days of one class.
    public struct DayClass: Sendable, Codable, Hashable {
        public var days: Int
        public var units: Int
        /// Buyers summed over the days (a consumer buying on two days counts twice).
        public var buyerDays: Int
        /// Sum of amounts and units of the priced sales (amount and list price known).
        public var pricedAmountFen: Int64
        public var pricedUnits: Int
        /// Units-weighted average realised unit price of the priced sales, in fen.
        public var averagePriceFen: Double? { pricedUnits == 0 ? nil : Double(pricedAmountFen) / Double(pricedUnits) }
        public var unitsPerDay: Double? { days == 0 ? nil : Double(units) / Double(days) }
        public var buyersPerDay: Double? { days == 0 ? nil : Double(buyerDays) / Double(days) }

        public init(days: Int = 0, units: Int = 0, buyerDays: Int = 0, pricedAmountFen: Int64 = 0, pricedUnits: Int = 0) {
            self.days = days
            self.units = units
            self.buyerDays = buyerDays
            self.pricedAmountFen = pricedAmountFen
            self.pricedUnits = pricedUnits
        }

        enum CodingKeys: String, CodingKey {
            case days, units, buyerDays, pricedAmountFen, pricedUnits, averagePriceFen, unitsPerDay, buyersPerDay
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                days: try c.decode(Int.self, forKey: .days), units: try c.decode(Int.self, forKey: .units),
                buyerDays: try c.decode(Int.self, forKey: .buyerDays),
                pricedAmountFen: try c.decode(Int64.self, forKey: .pricedAmountFen),
                pricedUnits: try c.decode(Int.self, forKey: .pricedUnits))
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(days, forKey: .days)
            try c.encode(units, forKey: .units)
            try c.encode(buyerDays, forKey: .buyerDays)
            try c.encode(pricedAmountFen, forKey: .pricedAmountFen)
            try c.encode(pricedUnits, forKey: .pricedUnits)
            try c.encodeIfPresent(averagePriceFen, forKey: .averagePriceFen)
            try c.encodeIfPresent(unitsPerDay, forKey: .unitsPerDay)
            try c.encodeIfPresent(buyersPerDay, forKey: .buyersPerDay)
        }
    }

    /// The arc (midpoint) elasticity: ((Qd − Qr) / ((Qd + Qr) / 2)) / ((Pd − Pr) / ((Pd + Pr) / 2)),
    /// with Q the units per day and P the average price of each class.
    public static func arcElasticity(regular: DayClass, discounted: DayClass) -> Double? {
        guard let qr = regular.unitsPerDay, let qd = discounted.unitsPerDay, let pr = regular.averagePriceFen,
            let pd = discounted.averagePriceFen, pd != pr, qr + qd > 0
        else { return nil }
        return ((qd - qr) / ((qd + qr) / 2)) / ((pd - pr) / ((pd + pr) / 2))
    }
}
