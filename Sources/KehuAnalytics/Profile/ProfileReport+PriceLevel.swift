import KehuModel
import KehuStore

extension ProfileReport {
    /// Paid amount and units of one consumer's purchases before `end`, and how many of them had a
    /// list price and were paid at least 20% below it.
    struct PriceTally: Sendable {
        var amountFen: Int64 = 0
        var units: Int64 = 0
        var withListPrice = 0
        var discounted = 0

        mutating func add(_ other: PriceTally) {
            amountFen += other.amountFen
            units += other.units
            withListPrice += other.withListPrice
            discounted += other.discounted
        }
    }

    /// - Complexity: O(the consumer's events).
    static func priceTally(_ snapshot: Snapshot, _ purchases: PurchaseIndex, consumer c: Int, end: Int64) -> PriceTally {
        var tally = PriceTally()
        // Payments of orders refunded in full by `end` are not purchases.
        var refunded: [UInt32] = []
        for o in purchases.orders(of: c) where purchases.payTs[o] < end && !purchases.isPurchase(o, before: end) {
            refunded.append(purchases.orderCode[o])
        }
        let commerce = snapshot.commerce
        for i in snapshot.events(of: c) {
            if snapshot.ts[i] >= end { break }
            guard snapshot.kind[i] == .pay, let row = commerce.row(of: i) else { continue }
            let amount = commerce.amount[row]
            guard amount != Money.unknownFen else { continue }
            let order = commerce.orderID[row]
            if order != 0 && refunded.contains(order) { continue }
            let quantity = Int64(max(1, commerce.quantity[row]))
            tally.amountFen += amount
            tally.units += quantity
            let list = commerce.listPrice[row]
            if list != Money.unknownFen && list > 0 {
                tally.withListPrice += 1
                // Unit price at most 80% of the list price: amount / quantity <= 0.8 × list.
                if amount * 5 <= list * quantity * 4 { tally.discounted += 1 }
            }
        }
        return tally
    }

    static func priceLevel(_ snapshot: Snapshot, _ purchases: PurchaseIndex, consumer c: Int, end: Int64, asOf day: Day) -> PriceLevel {
        let own = priceTally(snapshot, purchases, consumer: c, end: end)
        let brand = snapshot.derived.value("BrandUnitPrice.\(day.index)") { () -> PriceTally in
            let parts = ConsumerPartitions.map(snapshot, partitions: 16) { range -> PriceTally in
                var total = PriceTally()
                for consumer in range { total.add(priceTally(snapshot, purchases, consumer: consumer, end: end)) }
                return total
            }
            return parts.reduce(into: PriceTally()) { $0.add($1) }
        }
        func average(_ t: PriceTally) -> Int64? {
            t.units > 0 ? Int64((Double(t.amountFen) / Double(t.units)).rounded()) : nil
        }
        let mine = average(own)
        let theirs = average(brand)
        return PriceLevel(
            units: own.units, averageUnitPriceFen: mine, brandAverageUnitPriceFen: theirs,
            relativeToBrand: own.units > 0 && brand.units > 0 && brand.amountFen > 0
                ? (Double(own.amountFen) / Double(own.units)) / (Double(brand.amountFen) / Double(brand.units)) : nil,
            purchasesWithListPrice: own.withListPrice, discountedPurchases: own.discounted,
            discountedShare: own.withListPrice > 0 ? Double(own.discounted) / Double(own.withListPrice) : nil)
    }
}
