import KehuModel
import KehuStore

/// Every paid order of every consumer (DESIGN section 2), in time order per consumer: what the
/// purchase-based definitions (AIPL P and L, visitor classes, the nine metrics, RFM, retention,
/// CLV) read instead of re-deriving orders from events each time.
///
/// An order is an `order_id` with at least one `pay` event. As of an instant it is a **purchase**
/// when its first payment came before that instant and it had not been refunded in full by then
/// (refunds exist and cover the payments). Payments or refunds without an order id each count as
/// their own order. Built once per snapshot and shared (``of(_:)``).
public struct PurchaseIndex: Sendable {
    /// Per dense consumer, the first order row (count + 1 entries).
    public let orderStart: [UInt32]
    /// Per order: UTC ms of its first payment.
    public let payTs: [Int64]
    /// Per order: UTC ms from which refunds covered the payments (`Int64.max` when never).
    public let refundedInFullTs: [Int64]
    /// Per order: the sum of its payments in fen (unknown amounts count 0).
    public let paidFen: [Int64]
    /// Per order: the sum of its refunds in fen.
    public let refundedFen: [Int64]
    /// Per order: UTC ms of its last payment or refund; before it the totals above are partial.
    public let lastMoneyTs: [Int64]
    /// Per order: the order id code (0 when the payment carried none).
    public let orderCode: [UInt32]
    /// Per order: a payment's amount was unknown in the source (Taobao UserBehavior).
    public let amountUnknown: [Bool]

    public var orderCount: Int { payTs.count }

    /// The order rows of dense consumer `c`, by first payment.
    @inlinable
    public func orders(of c: Int) -> Range<Int> { Int(orderStart[c])..<Int(orderStart[c + 1]) }

    /// Whether order `o` is a purchase as of `end` (exclusive, UTC ms): paid before it, and not
    /// refunded in full before it.
    @inlinable
    public func isPurchase(_ o: Int, before end: Int64) -> Bool {
        payTs[o] < end && refundedInFullTs[o] >= end
    }

    /// Net amount of order `o` (payments minus refunds, at least 0) counting only money events
    /// before `end`.
    public func netFen(_ o: Int, before end: Int64, in snapshot: Snapshot, consumer c: Int) -> Int64 {
        if lastMoneyTs[o] < end { return max(0, paidFen[o] - refundedFen[o]) }
        // Some money moved after `end`: add up this order's events before it.
        var paid: Int64 = 0
        var refunded: Int64 = 0
        let code = orderCode[o]
        for i in snapshot.events(of: c) where snapshot.ts[i] < end {
            let kind = snapshot.kind[i]
            guard kind == .pay || kind == .refund else { continue }
            if code == 0 ? snapshot.ts[i] != payTs[o] || kind != .pay : snapshot.code(.orderID, i) != code { continue }
            if kind == .pay { paid += snapshot.amount(i) ?? 0 } else { refunded += snapshot.amount(i) ?? 0 }
        }
        return max(0, paid - refunded)
    }

    /// The shared index of a snapshot, built on first use.
    /// - Complexity: O(events) on all cores the first time, O(1) after.
    public static func of(_ snapshot: Snapshot) -> PurchaseIndex {
        snapshot.derived.value("PurchaseIndex") { build(snapshot) }
    }

    private struct Part: Sendable {
        var counts: [UInt32] = []
        var payTs: [Int64] = []
        var refundedInFullTs: [Int64] = []
        var paidFen: [Int64] = []
        var refundedFen: [Int64] = []
        var lastMoneyTs: [Int64] = []
        var orderCode: [UInt32] = []
        var amountUnknown: [Bool] = []
    }

    static func build(_ snapshot: Snapshot) -> PurchaseIndex {
        let parts = ConsumerPartitions.map(snapshot, partitions: 16) { range -> Part in
            var part = Part()
            part.counts.reserveCapacity(range.count)
            struct Open {
                var first: Int64 = .max
                var paid: Int64 = 0
                var refunded: Int64 = 0
                var refundedInFull: Int64 = .max
                var last: Int64 = .min
                var unknown = false
            }
            var open: [UInt32: Open] = [:]
            var loose: [(ts: Int64, fen: Int64, unknown: Bool)] = []
            for c in range {
                open.removeAll(keepingCapacity: true)
                loose.removeAll(keepingCapacity: true)
                for i in snapshot.events(of: c) {
                    let kind = snapshot.kind[i]
                    guard kind == .pay || kind == .refund else { continue }
                    let ts = snapshot.ts[i]
                    let code = snapshot.code(.orderID, i)
                    if code == 0 {
                        // A payment without an order id is an order of its own; a refund without
                        // one cannot be matched and is ignored here.
                        if kind == .pay { loose.append((ts, snapshot.amount(i) ?? 0, snapshot.amount(i) == nil)) }
                        continue
                    }
                    var state = open[code] ?? Open()
                    state.last = max(state.last, ts)
                    if kind == .pay {
                        state.first = min(state.first, ts)
                        if let amount = snapshot.amount(i) { state.paid += amount } else { state.unknown = true }
                        // A new payment re-opens an order that had been refunded in full.
                        if state.refundedInFull != .max && state.refunded < state.paid { state.refundedInFull = .max }
                    } else if let amount = snapshot.amount(i) {
                        state.refunded += amount
                        if state.first != .max, !state.unknown, state.refunded > 0, state.refunded >= state.paid,
                            state.refundedInFull == .max
                        {
                            state.refundedInFull = ts
                        }
                    }
                    open[code] = state
                }
                var rows: [(ts: Int64, code: UInt32, state: Open)] = []
                for (code, state) in open where state.first != .max { rows.append((state.first, code, state)) }
                for payment in loose {
                    var state = Open()
                    state.first = payment.ts
                    state.last = payment.ts
                    state.paid = payment.fen
                    state.unknown = payment.unknown
                    rows.append((payment.ts, 0, state))
                }
                rows.sort { ($0.ts, $0.code) < ($1.ts, $1.code) }
                part.counts.append(UInt32(rows.count))
                for row in rows {
                    part.payTs.append(row.state.first)
                    part.refundedInFullTs.append(row.state.refundedInFull)
                    part.paidFen.append(row.state.paid)
                    part.refundedFen.append(row.state.refunded)
                    part.lastMoneyTs.append(row.state.last)
                    part.orderCode.append(row.code)
                    part.amountUnknown.append(row.state.unknown)
                }
            }
            return part
        }
        var orderStart: [UInt32] = [0]
        orderStart.reserveCapacity(snapshot.consumerCount + 1)
        var running: UInt32 = 0
        for part in parts {
            for count in part.counts {
                running += count
                orderStart.append(running)
            }
        }
        return PurchaseIndex(
            orderStart: orderStart, payTs: parts.flatMap(\.payTs), refundedInFullTs: parts.flatMap(\.refundedInFullTs),
            paidFen: parts.flatMap(\.paidFen), refundedFen: parts.flatMap(\.refundedFen),
            lastMoneyTs: parts.flatMap(\.lastMoneyTs), orderCode: parts.flatMap(\.orderCode),
            amountUnknown: parts.flatMap(\.amountUnknown))
    }
}
