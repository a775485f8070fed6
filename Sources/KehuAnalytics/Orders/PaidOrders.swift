import KehuModel
import KehuStore

/// A paid order of one consumer (DESIGN section 2): an order id with at least one `pay` event,
/// not refunded in full. Its day is the day of its first payment; its amount is pay minus refunds.
public struct PaidOrder: Sendable, Hashable {
    /// Dense consumer index in the snapshot.
    public var consumer: Int
    public var orderCode: UInt32
    public var firstPayTs: Int64
    /// Pay minus refunds, in fen; 0 when the source carried no amount.
    public var netFen: Int64
    /// The source carried no amount for at least one payment (Taobao UserBehavior).
    public var amountUnknown: Bool
}

extension PaidOrder {
    /// Every paid order in the snapshot, in consumer order and, within a consumer, by first
    /// payment. Payments and refunds after `through` (exclusive, UTC ms) are ignored.
    /// - Complexity: O(events), on all cores.
    public static func all(in snapshot: Snapshot, through: Int64 = .max) -> [PaidOrder] {
        let parts = ConsumerPartitions.map(snapshot, partitions: 16) { range -> [PaidOrder] in
            var out: [PaidOrder] = []
            var open: [UInt32: (first: Int64, paid: Int64, refunded: Int64, unknown: Bool)] = [:]
            for c in range {
                open.removeAll(keepingCapacity: true)
                for i in snapshot.events(of: c) where snapshot.ts[i] < through {
                    let kind = snapshot.kind[i]
                    guard kind == .pay || kind == .refund else { continue }
                    let order = snapshot.code(.orderID, i)
                    var state = open[order] ?? (.max, 0, 0, false)
                    if kind == .pay {
                        state.first = min(state.first, snapshot.ts[i])
                        if let amount = snapshot.amount(i) { state.paid += amount } else { state.unknown = true }
                    } else if let amount = snapshot.amount(i) {
                        state.refunded += amount
                    }
                    open[order] = state
                }
                var orders: [PaidOrder] = []
                for (code, state) in open where state.first != .max {
                    // Refunded in full: refunds exist and cover the payments. A free (zero) payment
                    // without a refund is still a purchase.
                    if !state.unknown && state.refunded > 0 && state.refunded >= state.paid { continue }
                    orders.append(PaidOrder(
                        consumer: c, orderCode: code, firstPayTs: state.first, netFen: max(0, state.paid - state.refunded),
                        amountUnknown: state.unknown))
                }
                orders.sort { ($0.firstPayTs, $0.orderCode) < ($1.firstPayTs, $1.orderCode) }
                out += orders
            }
            return out
        }
        return parts.flatMap { $0 }
    }
}
