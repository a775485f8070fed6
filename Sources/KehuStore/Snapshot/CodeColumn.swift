import KehuModel
/// A column of dictionary codes stored at the narrowest width its dictionary allows: one byte
/// for up to 256 codes, two for up to 65,536, four beyond.
public enum CodeColumn: Sendable {
    case u8([UInt8])
    case u16([UInt16])
    case u32([UInt32])

    /// Narrows `codes` to the width `codeCount` needs.
    public init(_ codes: [UInt32], codeCount: Int) {
        if codeCount <= 256 {
            self = .u8(codes.map { UInt8(truncatingIfNeeded: $0) })
        } else if codeCount <= 65_536 {
            self = .u16(codes.map { UInt16(truncatingIfNeeded: $0) })
        } else {
            self = .u32(codes)
        }
    }

    /// The code of row `i`.
    /// - Complexity: O(1).
    @inlinable
    public subscript(i: Int) -> UInt32 {
        switch self {
        case .u8(let a): UInt32(a[i])
        case .u16(let a): UInt32(a[i])
        case .u32(let a): a[i]
        }
    }

    public var count: Int {
        switch self {
        case .u8(let a): a.count
        case .u16(let a): a.count
        case .u32(let a): a.count
        }
    }

    /// Bytes held.
    public var byteCount: Int {
        switch self {
        case .u8(let a): a.count
        case .u16(let a): a.count * 2
        case .u32(let a): a.count * 4
        }
    }
}

/// The order id, amount, list price and quantity of the events that have any of them (orders,
/// payments, refunds): a sparse side table, so the many events without money cost one bit each.
public struct CommerceColumns: Sendable {
    /// Bit `i` is set when event `i` has a commerce row.
    @usableFromInline let bits: [UInt64]
    /// Set bits in all words before word `w`.
    @usableFromInline let ranks: [UInt32]
    /// Per commerce row: order id code (0 = none).
    public let orderID: [UInt32]
    /// Per commerce row: fen, ``KehuModel/Money/unknownFen`` when unknown.
    public let amount: [Int64]
    public let listPrice: [Int64]
    public let quantity: [Int32]

    init(bits: [UInt64], orderID: [UInt32], amount: [Int64], listPrice: [Int64], quantity: [Int32]) {
        self.bits = bits
        var ranks = [UInt32](repeating: 0, count: bits.count)
        var running: UInt32 = 0
        for w in 0..<bits.count {
            ranks[w] = running
            running += UInt32(bits[w].nonzeroBitCount)
        }
        self.ranks = ranks
        self.orderID = orderID
        self.amount = amount
        self.listPrice = listPrice
        self.quantity = quantity
    }

    /// The commerce row of event `i`, or nil when it has none.
    /// - Complexity: O(1).
    @inlinable
    public func row(of i: Int) -> Int? {
        let word = bits[i >> 6]
        let bit = UInt64(1) << UInt64(i & 63)
        guard word & bit != 0 else { return nil }
        return Int(ranks[i >> 6]) + (word & (bit &- 1)).nonzeroBitCount
    }

    public var byteCount: Int {
        bits.count * 8 + ranks.count * 4 + orderID.count * 4 + amount.count * 8 + listPrice.count * 8 + quantity.count * 4
    }

    /// Calls `body` with a raw view of the amounts for scans that read many of them (the view is
    /// valid only inside `body`).
    public func withAmounts<R>(_ body: (AmountView) -> R) -> R {
        bits.withUnsafeBufferPointer { bits in
            ranks.withUnsafeBufferPointer { ranks in
                amount.withUnsafeBufferPointer { amount in body(AmountView(bits: bits, ranks: ranks, amount: amount)) }
            }
        }
    }
}

/// Event amounts over raw buffers (``CommerceColumns/withAmounts(_:)``): the same answers as
/// ``Snapshot/amount(_:)`` without going through the snapshot's arrays for each event.
public struct AmountView {
    @usableFromInline let bits: UnsafeBufferPointer<UInt64>
    @usableFromInline let ranks: UnsafeBufferPointer<UInt32>
    @usableFromInline let amount: UnsafeBufferPointer<Int64>

    /// The sum in fen of the amounts of the events in `rows` that have one and that `include`
    /// accepts (unknown amounts add 0). Only events with a commerce row are visited, 64 rows a word
    /// at a time, so rows without money (views, carts ...) cost nothing.
    @inlinable @inline(__always)
    public func sum(_ rows: Range<Int>, where include: (Int) -> Bool) -> Int64 {
        guard !rows.isEmpty else { return 0 }
        var total: Int64 = 0
        let lastWord = (rows.upperBound &- 1) &>> 6
        var w = rows.lowerBound &>> 6
        while w <= lastWord {
            let full = bits[w]
            var word = full
            if w == rows.lowerBound &>> 6 { word &= ~UInt64(0) &<< UInt64(rows.lowerBound & 63) }
            if w == lastWord && rows.upperBound & 63 != 0 { word &= (UInt64(1) &<< UInt64(rows.upperBound & 63)) &- 1 }
            while word != 0 {
                let bit = word.trailingZeroBitCount
                let i = w &<< 6 &+ bit
                // The row of this event: the set bits of the word below it.
                let rank = Int(ranks[w]) &+ (full & ((UInt64(1) &<< UInt64(bit)) &- 1)).nonzeroBitCount
                if include(i) {
                    let value = amount[rank]
                    if value != Money.unknownFen { total &+= value }
                }
                word &= word &- 1
            }
            w &+= 1
        }
        return total
    }
}
