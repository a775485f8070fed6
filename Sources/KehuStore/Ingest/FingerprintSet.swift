import KehuModel

/// A set of event fingerprints with open addressing over two flat arrays. Fingerprints are
/// already uniformly distributed hashes, so the high word indexes the table directly.
struct FingerprintSet {
    private var high: [UInt64]
    private var low: [UInt64]
    private var occupied: [Bool]
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size *= 2 }
        high = [UInt64](repeating: 0, count: size)
        low = [UInt64](repeating: 0, count: size)
        occupied = [Bool](repeating: false, count: size)
    }

    /// Inserts a fingerprint; returns false if it was already present.
    /// - Complexity: amortised O(1).
    @discardableResult
    mutating func insert(high h: UInt64, low l: UInt64) -> Bool {
        if (count + 1) * 2 > high.count { grow() }
        let mask = high.count - 1
        var slot = Int(truncatingIfNeeded: h ^ (l >> 7)) & mask
        while occupied[slot] {
            if high[slot] == h && low[slot] == l { return false }
            slot = (slot + 1) & mask
        }
        occupied[slot] = true
        high[slot] = h
        low[slot] = l
        count += 1
        return true
    }

    func contains(high h: UInt64, low l: UInt64) -> Bool {
        let mask = high.count - 1
        var slot = Int(truncatingIfNeeded: h ^ (l >> 7)) & mask
        while occupied[slot] {
            if high[slot] == h && low[slot] == l { return true }
            slot = (slot + 1) & mask
        }
        return false
    }

    private mutating func grow() {
        let oldHigh = high, oldLow = low, oldOccupied = occupied
        self = FingerprintSet(capacity: oldHigh.count)
        for i in 0..<oldHigh.count where oldOccupied[i] { insert(high: oldHigh[i], low: oldLow[i]) }
    }
}
