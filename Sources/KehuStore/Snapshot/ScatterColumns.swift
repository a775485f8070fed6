import Dispatch
import KehuModel

/// The columns of a snapshot while it is being built, in scattered (consumer-major, not yet
/// time-ordered) row order. String fields are already at their final width.
struct ScatterColumns {
    var ts: [Int64]
    var kind: [UInt8]
    var tiebreak: [UInt64]
    /// Codes of the string fields except order id, field-major: `codes[slot * total + row]`.
    var codes: [UInt32]
    var orderID: [UInt32]
    var amount: [Int64]
    var listPrice: [Int64]
    var quantity: [Int32]
    let dictionaries: [StringTable]
    private let stringFields = EventField.allCases.filter { $0 != .orderID }.map(\.rawValue)
    private let total: Int

    init(total: Int, dictionaries: [StringTable]) {
        ts = [Int64](repeating: 0, count: total)
        kind = [UInt8](repeating: 0, count: total)
        tiebreak = [UInt64](repeating: 0, count: total)
        codes = [UInt32](repeating: 0, count: total * stringFields.count)
        self.total = total
        orderID = [UInt32](repeating: 0, count: total)
        amount = [Int64](repeating: Money.unknownFen, count: total)
        listPrice = [Int64](repeating: Money.unknownFen, count: total)
        quantity = [Int32](repeating: 0, count: total)
        self.dictionaries = dictionaries
    }

    @inline(__always)
    mutating func set(_ at: Int, from segment: SegmentColumns, row r: Int, maps: [[UInt32]]) {
        ts[at] = segment.ts[r]
        kind[at] = segment.kind[r]
        tiebreak[at] = segment.fingerprintHigh[r]
        for (slot, f) in stringFields.enumerated() { codes[slot * total + at] = maps[f][Int(segment.codes[f][r])] }
        orderID[at] = maps[EventField.orderID.rawValue][Int(segment.codes[EventField.orderID.rawValue][r])]
        amount[at] = segment.amount[r]
        listPrice[at] = segment.listPrice[r]
        quantity[at] = segment.quantity[r]
    }

    /// The snapshot with every column gathered through `order`; each scattered column is
    /// released as soon as its gathered copy exists.
    consuming func gathered(
        by order: [UInt32], workspace: String, zone: ZoneRules, dataVersion: Int64, consumerIDs: [UInt32],
        eventStart: [UInt32]
    ) -> Snapshot {
        let total = order.count
        let sortedTs = gather(ts, order)
        ts = []
        let sortedKind = gather(kind, order).map { EventKind(rawValue: $0)! }
        var columns: [CodeColumn] = []
        for f in 0..<EventField.allCases.count {
            guard let slot = stringFields.firstIndex(of: f) else {
                columns.append(.u8([]))
                continue
            }
            let base = slot * total
            let codeCount = dictionaries[f].codeCount
            columns.append(codes.withUnsafeBufferPointer { all in
                let slice = UnsafeBufferPointer(rebasing: all[base..<(base + total)])
                if codeCount <= 256 { return .u8(gather(slice, order) { UInt8(truncatingIfNeeded: $0) }) }
                if codeCount <= 65_536 { return .u16(gather(slice, order) { UInt16(truncatingIfNeeded: $0) }) }
                return .u32(gather(slice, order) { $0 })
            })
        }
        codes = []
        // Commerce rows: events with an order id, an amount, a list price, a quantity, or that
        // are payments or refunds.
        var bits = [UInt64](repeating: 0, count: (total + 63) / 64)
        var orders: [UInt32] = [], amounts: [Int64] = [], prices: [Int64] = [], quantities: [Int32] = []
        for i in 0..<total {
            let j = Int(order[i])
            let k = sortedKind[i]
            if orderID[j] != 0 || amount[j] != Money.unknownFen || listPrice[j] != Money.unknownFen || quantity[j] != 0
                || k == .pay || k == .refund
            {
                bits[i >> 6] |= 1 << UInt64(i & 63)
                orders.append(orderID[j])
                amounts.append(amount[j])
                prices.append(listPrice[j])
                quantities.append(quantity[j])
            }
        }
        let commerce = CommerceColumns(bits: bits, orderID: orders, amount: amounts, listPrice: prices, quantity: quantities)
        return Snapshot(
            workspace: workspace, zone: zone, dataVersion: dataVersion, consumerIDs: consumerIDs, eventStart: eventStart,
            ts: sortedTs, kind: sortedKind, fields: columns, dictionaries: dictionaries, commerce: commerce)
    }
}

/// `out[i] = values[order[i]]`, on all cores.
func gather<T: BitwiseCopyable>(_ values: [T], _ order: [UInt32]) -> [T] {
    values.withUnsafeBufferPointer { gather($0, order) { $0 } }
}

/// `out[i] = convert(values[order[i]])`, on all cores.
func gather<T: BitwiseCopyable, U: BitwiseCopyable>(
    _ values: UnsafeBufferPointer<T>, _ order: [UInt32], _ convert: @Sendable (T) -> U
) -> [U] {
    let total = order.count
    guard total > 0 else { return [] }
    return [U](unsafeUninitializedCapacity: total) { buffer, initialized in
        // Each part writes a disjoint range of `out`; `input` is only read.
        nonisolated(unsafe) let out = buffer
        nonisolated(unsafe) let input = values
        let parts = DispatchQueueConcurrency.cores
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            for i in (total * p / parts)..<(total * (p + 1) / parts) {
                (out.baseAddress! + i).initialize(to: convert(input[Int(order[i])]))
            }
        }
        initialized = total
    }
}
