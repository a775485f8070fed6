import KehuModel

/// The columns of one segment, in memory. Rows are events; key ids are global ids from the
/// catalogue's `identity_key` table (the event's anchor key, see ``IdentityKeyType/anchorRank``);
/// string fields are codes into the segment's own dictionaries.
public struct SegmentColumns: Sendable {
    public var fingerprintHigh: [UInt64] = []
    public var fingerprintLow: [UInt64] = []
    public var ts: [Int64] = []
    public var key: [UInt32] = []
    public var kind: [UInt8] = []
    /// Per ``EventField``: a code per row (0 = absent).
    public var codes: [[UInt32]] = Array(repeating: [], count: EventField.allCases.count)
    /// Per ``EventField``: the dictionary.
    public var tables: [StringTable] = Array(repeating: StringTable(), count: EventField.allCases.count)
    /// Fen; ``Money/unknownFen`` when absent.
    public var amount: [Int64] = []
    public var listPrice: [Int64] = []
    /// 0 when absent.
    public var quantity: [Int32] = []

    public init() {}

    public var rowCount: Int { ts.count }

    public mutating func reserve(_ n: Int) {
        fingerprintHigh.reserveCapacity(n)
        fingerprintLow.reserveCapacity(n)
        ts.reserveCapacity(n)
        key.reserveCapacity(n)
        kind.reserveCapacity(n)
        for f in 0..<codes.count { codes[f].reserveCapacity(n) }
        amount.reserveCapacity(n)
        listPrice.reserveCapacity(n)
        quantity.reserveCapacity(n)
    }

    /// Removes every row and dictionary, keeping the columns' capacity.
    public mutating func removeAll() {
        fingerprintHigh.removeAll(keepingCapacity: true)
        fingerprintLow.removeAll(keepingCapacity: true)
        ts.removeAll(keepingCapacity: true)
        key.removeAll(keepingCapacity: true)
        kind.removeAll(keepingCapacity: true)
        for f in 0..<codes.count { codes[f].removeAll(keepingCapacity: true) }
        tables = Array(repeating: StringTable(), count: EventField.allCases.count)
        amount.removeAll(keepingCapacity: true)
        listPrice.removeAll(keepingCapacity: true)
        quantity.removeAll(keepingCapacity: true)
    }

    /// Appends row `i` of a batch with its anchor key id; string codes are re-coded through `maps`.
    mutating func append(from batch: EventBatch, row i: Int, key keyID: UInt32, maps: [[UInt32]]) {
        fingerprintHigh.append(batch.fingerprint[i].high)
        fingerprintLow.append(batch.fingerprint[i].low)
        ts.append(batch.ts[i])
        key.append(keyID)
        kind.append(batch.kind[i].rawValue)
        for f in 0..<codes.count { codes[f].append(maps[f][Int(batch.code(EventField(rawValue: f)!, i))]) }
        amount.append(batch.amount[i])
        listPrice.append(batch.listPrice[i])
        quantity.append(batch.quantity[i])
    }

    /// Appends row `i` of another segment, re-coding strings through `maps`.
    mutating func append(from other: SegmentColumns, row i: Int, maps: [[UInt32]]) {
        fingerprintHigh.append(other.fingerprintHigh[i])
        fingerprintLow.append(other.fingerprintLow[i])
        ts.append(other.ts[i])
        key.append(other.key[i])
        kind.append(other.kind[i])
        for f in 0..<codes.count { codes[f].append(maps[f][Int(other.codes[f][i])]) }
        amount.append(other.amount[i])
        listPrice.append(other.listPrice[i])
        quantity.append(other.quantity[i])
    }

    /// Smallest and largest timestamp, or nil when empty.
    public var timeRange: (min: Int64, max: Int64)? {
        guard let first = ts.first else { return nil }
        var low = first, high = first
        for t in ts {
            low = Swift.min(low, t)
            high = Swift.max(high, t)
        }
        return (low, high)
    }
}
