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
}
