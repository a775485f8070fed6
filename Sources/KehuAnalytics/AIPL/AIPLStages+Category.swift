import KehuModel
import KehuStore

extension AIPLStages {
    /// Consumers per stage per category as of the end of `day`: `result[code][stage.rawValue]` for
    /// every category dictionary code (code 0, no category, stays all zero).
    ///
    /// A consumer's stage for category X uses only events whose `category` is X:
    /// - A / I: an A- / I-signal event in X within the A / I window;
    /// - P: a paid order first paid within the P window, not refunded in full as of the day, with a
    ///   `pay` event in X before the end of the day; each such order counts once for X however many
    ///   of its payments are in X (a payment without an order id is an order of its own);
    /// - L: `loyalOrders` or more such orders, or one or more and a `review` or `share` in X at or
    ///   after the first `pay` event in X of such an order.
    /// With every event in one category, the counts for it equal ``counts(_:asOf:rules:)``.
    /// - Complexity: O(events in the P and A/I windows), on all cores.
    public static func countsByCategory(_ snapshot: Snapshot, asOf day: Day, rules: AIPLRules = .standard) -> [[Int]] {
        let purchases = PurchaseIndex.of(snapshot)
        let windows = rules.windows(asOf: day, in: AnalysisCalendar(snapshot))
        let categoryCount = snapshot.dictionaries[EventField.category.rawValue].codeCount
        let parts = ConsumerPartitions.map(snapshot, partitions: 8) { range -> [Int] in
            switch snapshot.fields[EventField.category.rawValue] {
            case .u8(let codes):
                codes.withUnsafeBufferPointer {
                    categoryTally(snapshot, purchases, rules, windows, categoryCount, $0, range)
                }
            case .u16(let codes):
                codes.withUnsafeBufferPointer {
                    categoryTally(snapshot, purchases, rules, windows, categoryCount, $0, range)
                }
            case .u32(let codes):
                codes.withUnsafeBufferPointer {
                    categoryTally(snapshot, purchases, rules, windows, categoryCount, $0, range)
                }
            }
        }
        var total = [Int](repeating: 0, count: categoryCount * 5)
        for part in parts {
            for i in 0..<total.count { total[i] += part[i] }
        }
        return (0..<categoryCount).map { Array(total[$0 * 5..<$0 * 5 + 5]) }
    }

    /// Per-category flags of one consumer while scanning their events.
    private struct CategoryFlags {
        static let aware: UInt8 = 1
        static let interested: UInt8 = 2
        static let purchased: UInt8 = 4
        static let advocacy: UInt8 = 8
    }

    /// The tally `[category * 5 + stage]` of the consumers in `range`.
    private static func categoryTally<Code: FixedWidthInteger & UnsignedInteger>(
        _ snapshot: Snapshot, _ purchases: PurchaseIndex, _ rules: AIPLRules, _ w: AIPLWindows, _ categoryCount: Int,
        _ category: UnsafeBufferPointer<Code>, _ range: Range<Int>
    ) -> [Int] {
        var tally = [Int](repeating: 0, count: categoryCount * 5)
        var flags = [UInt8](repeating: 0, count: categoryCount)
        var orders = [Int](repeating: 0, count: categoryCount)
        var touched: [Int] = []
        // (order row, category) pairs already counted for the current consumer.
        var counted: [(order: Int, category: Int)] = []
        let scanStart = min(w.signalStart, w.pStart)
        StageKernel.with(snapshot, purchases, rules) { kernel in
            for c in range {
                let last = Int(snapshot.eventStart[c + 1])
                var i = kernel.firstRow(Int(snapshot.eventStart[c]), last, atOrAfter: scanStart)
                let consumerOrders = purchases.orders(of: c)
                while i < last {
                    let t = kernel.ts[i]
                    if t >= w.end { break }
                    let k = Int(category[i])
                    defer { i += 1 }
                    if k == 0 { continue }
                    let kind = kernel.kind[i]
                    let bit = StageKernel.bit(kind)
                    var set: UInt8 = 0
                    if bit & StageKernel.aware != 0 && t >= w.aStart { set = CategoryFlags.aware }
                    if bit & StageKernel.interested != 0 && t >= w.iStart { set = CategoryFlags.interested }
                    if kind == .pay && t >= w.pStart {
                        let code = snapshot.code(.orderID, i)
                        // The order this payment belongs to: by order id, or the order-less payment itself.
                        guard
                            let o = consumerOrders.first(where: {
                                purchases.orderCode[$0] == code && (code != 0 || purchases.payTs[$0] == t)
                            }),
                            purchases.payTs[o] >= w.pStart, purchases.isPurchase(o, before: w.end)
                        else { continue }
                        if code == 0 || !counted.contains(where: { $0.order == o && $0.category == k }) {
                            if code != 0 { counted.append((o, k)) }
                            if flags[k] == 0 { touched.append(k) }
                            orders[k] += 1
                            flags[k] |= CategoryFlags.purchased
                        }
                        continue
                    }
                    if bit & StageKernel.advocacy != 0 && flags[k] & CategoryFlags.purchased != 0 {
                        set = CategoryFlags.advocacy
                    }
                    if set != 0 {
                        if flags[k] == 0 { touched.append(k) }
                        flags[k] |= set
                    }
                }
                for k in touched {
                    let f = flags[k]
                    let stage: AIPLStage
                    if orders[k] >= rules.loyalOrders {
                        stage = .loyal
                    } else if orders[k] > 0 {
                        stage = rules.advocacyIsLoyal && f & CategoryFlags.advocacy != 0 ? .loyal : .purchased
                    } else if f & CategoryFlags.interested != 0 {
                        stage = .interested
                    } else if f & CategoryFlags.aware != 0 {
                        stage = .aware
                    } else {
                        stage = .none
                    }
                    tally[k * 5 + Int(stage.rawValue)] += 1
                    flags[k] = 0
                    orders[k] = 0
                }
                touched.removeAll(keepingCapacity: true)
                counted.removeAll(keepingCapacity: true)
            }
        }
        // Consumers who touched no event of a category are `none` for it.
        for k in 1..<max(1, categoryCount) {
            let staged = tally[k * 5 + 1..<k * 5 + 5].reduce(0, +)
            tally[k * 5] = range.count - staged
        }
        return tally
    }
}
