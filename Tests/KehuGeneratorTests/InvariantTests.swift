import KehuModel
import Testing

@testable import KehuGenerator

/// Rules every generated data set keeps, each checked by a second, simple computation over the
/// records of ``GeneratedBrand/shared``.
@Suite struct InvariantTests {
    let brand = GeneratedBrand.shared

    @Test func summaryMatchesTheEvents() {
        #expect(brand.summary.events == brand.records.count)
        for kind in EventKind.allCases {
            #expect(brand.summary[kind] == brand.records.filter { $0.kind == kind }.count, "\(kind)")
        }
        let gmv = brand.records.filter { $0.kind == .pay }.reduce(Int64(0)) { $0 + $1.amount! }
        #expect(brand.summary.grossMerchandiseFen == gmv)
        let buyers = Set(brand.records.indices.filter { brand.records[$0].kind == .pay }.map { brand.consumers[$0] })
        #expect(brand.summary.buyers == buyers.count)
        #expect(brand.summary.firstEventTs == brand.records.map(\.ts).min())
    }

    @Test func everyKindOfTheVocabularyAppears() {
        for kind in EventKind.allCases {
            #expect(brand.summary[kind] > 0, "no \(kind) events")
        }
    }

    @Test func timestampsLieInTheRange() {
        let start = brand.config.zone.start(of: brand.config.range.first)
        let end = brand.config.zone.end(of: brand.config.range.last)
        #expect(brand.records.allSatisfy { $0.ts >= start && $0.ts < end })
        // And they use it: events on the first and the last day.
        #expect(brand.records.contains { brand.day($0) == brand.config.range.first })
        #expect(brand.records.contains { brand.day($0) == brand.config.range.last })
    }

    @Test func eachConsumersEventsAreInTimeOrder() {
        for events in brand.byConsumer {
            #expect(zip(events, events.dropFirst()).allSatisfy { $0.ts <= $1.ts })
        }
    }

    @Test func ordersPaysAndRefundsCarryWhatTheyNeed() {
        for record in brand.records where [.order, .pay, .refund].contains(record.kind) {
            #expect(record.orderID != nil && record.amount != nil && record.sku != nil, "\(record.kind)")
            #expect(record.amount! > 0)
        }
        for record in brand.records where ![.order, .pay, .refund].contains(record.kind) {
            #expect(record.amount == nil)
        }
        #expect(brand.records.allSatisfy { $0.channel != nil && !$0.keys.isEmpty && $0.keys.count <= 2 })
    }

    /// Every pay follows its order (same id, same amount, at or after it).
    @Test func everyPayHasAnEarlierOrder() {
        var orders: [String: EventRecord] = [:]
        var pays = 0
        for record in brand.records {
            switch record.kind {
            case .order:
                #expect(orders[record.orderID!] == nil, "order ids are unique")
                orders[record.orderID!] = record
            case .pay:
                pays += 1
                let order = orders[record.orderID!]
                #expect(order != nil)
                #expect(order.map { $0.ts <= record.ts && $0.amount == record.amount && $0.sku == record.sku } == true)
            default: break
            }
        }
        #expect(pays > 500)
    }

    @Test func refundsNeverExceedThePaidAmount() {
        var paid: [String: (amount: Int64, ts: Int64)] = [:]
        var refunded: [String: Int64] = [:]
        var full = 0
        var partial = 0
        for record in brand.records {
            if record.kind == .pay { paid[record.orderID!] = (record.amount!, record.ts) }
            guard record.kind == .refund else { continue }
            let pay = paid[record.orderID!]
            #expect(pay != nil, "a refund follows a payment")
            guard let pay else { continue }
            #expect(record.ts > pay.ts)
            refunded[record.orderID!, default: 0] += record.amount!
            #expect(refunded[record.orderID!]! <= pay.amount)
            if record.amount! == pay.amount { full += 1 } else { partial += 1 }
        }
        #expect(full > 10)
        #expect(partial > 5)
    }

    @Test func someOrdersAreNeverPaid() {
        let paidOrders = Set(brand.records.filter { $0.kind == .pay }.map { $0.orderID! })
        let orders = Set(brand.records.filter { $0.kind == .order }.map { $0.orderID! })
        let unpaid = orders.subtracting(paidOrders).count
        #expect(unpaid > 20)
        // A minority: most orders are paid.
        #expect(Double(unpaid) < 0.25 * Double(orders.count))
    }

    /// Amounts are at most the list price per unit, and below it when the day is discounted.
    @Test func amountsRespectListPrices() {
        var discounted = 0
        for record in brand.records where record.kind == .pay || record.kind == .order {
            let list = record.listPrice!
            let quantity = Int64(record.quantity!)
            #expect(quantity >= 1)
            #expect(record.amount! <= list * quantity)
            #expect(brand.simulator.catalogue.products.contains { $0.sku == record.sku && $0.listPriceFen == list })
            if record.amount! < list * quantity { discounted += 1 }
        }
        #expect(discounted > 100)
    }

    /// Member keys appear from the join on, points go to members, and nothing follows a leave.
    @Test func membershipKeysFollowJoinsAndEndAtLeaves() {
        var joined: Set<String> = []
        var left: Set<String> = []
        for record in brand.records {
            let member = record.keys.first { $0.hasPrefix("member:") }
            if record.kind == .memberJoin {
                #expect(member != nil)
                if let member { joined.insert(member) }
                continue
            }
            if record.kind == .points { #expect(member != nil, "points belong to a member") }
            guard let member else { continue }
            #expect(joined.contains(member), "a member key before its join")
            #expect(!left.contains(member), "a member key after its leave")
            if record.kind == .memberLeave { left.insert(member) }
        }
        #expect(joined.count > 50)
        #expect(left.count > 0)
    }

    /// Keys are personal: only the stores' guide tablets are seen with more than one consumer.
    @Test func onlyGuideTabletsAreShared() {
        var owners: [String: Set<Int>] = [:]
        for (i, record) in brand.records.enumerated() {
            for key in record.keys { owners[key, default: []].insert(brand.consumers[i]) }
        }
        let shared = owners.filter { $0.value.count > 1 }
        #expect(Set(shared.keys) == Set(brand.simulator.sharedDeviceKeys.filter { (owners[$0]?.count ?? 0) > 1 }))
        #expect(shared.values.map(\.count).max()! > 20)
    }

    @Test func phonesAreElevenDigitMainlandNumbers() {
        let phones = Set(brand.records.flatMap(\.keys).filter { $0.hasPrefix("phone:") })
        #expect(phones.count > 100)
        for phone in phones {
            let digits = Array(phone.dropFirst("phone:".count).utf8)
            #expect(digits.count == 11 && digits.allSatisfy { $0 >= 48 && $0 <= 57 })
            #expect(digits[0] == UInt8(ascii: "1") && digits[1] >= UInt8(ascii: "3"))
        }
    }
}
