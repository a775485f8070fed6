import KehuModel

/// A set of event fingerprints: open addressing over one flat array holding each slot's two
/// words side by side, so a probe touches one cache line. Fingerprints are already uniformly
/// distributed hashes, so their bits index the table directly. The all-zero fingerprint marks an
/// empty slot and is tracked by a flag of its own.
struct FingerprintSet {
    private var words: [UInt64]
    private var mask: Int
    private var hasZero = false
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var slots = 16
        while slots < capacity * 2 { slots *= 2 }
        words = [UInt64](repeating: 0, count: slots * 2)
        mask = slots - 1
    }

    /// Makes room for `additional` more fingerprints without growing during inserts.
    mutating func reserve(_ additional: Int) {
        if (count + additional) * 2 > mask + 1 { rehash(toHold: count + additional) }
    }

    /// Inserts a fingerprint; returns false if it was already present.
    /// - Complexity: amortised O(1).
    @discardableResult
    mutating func insert(high h: UInt64, low l: UInt64) -> Bool {
        if h == 0 && l == 0 {
            if hasZero { return false }
            hasZero = true
            count += 1
            return true
        }
        if (count + 1) * 2 > mask + 1 { rehash(toHold: count + 1) }
        let inserted = words.withUnsafeMutableBufferPointer { w in
            var slot = Int(truncatingIfNeeded: h ^ (l >> 7)) & mask
            while true {
                let sh = w[2 * slot], sl = w[2 * slot + 1]
                if sh == 0 && sl == 0 {
                    w[2 * slot] = h
                    w[2 * slot + 1] = l
                    return true
                }
                if sh == h && sl == l { return false }
                slot = (slot + 1) & mask
            }
        }
        if inserted { count += 1 }
        return inserted
    }

    func contains(high h: UInt64, low l: UInt64) -> Bool {
        if h == 0 && l == 0 { return hasZero }
        return words.withUnsafeBufferPointer { w in
            var slot = Int(truncatingIfNeeded: h ^ (l >> 7)) & mask
            while true {
                let sh = w[2 * slot], sl = w[2 * slot + 1]
                if sh == 0 && sl == 0 { return false }
                if sh == h && sl == l { return true }
                slot = (slot + 1) & mask
            }
        }
    }

    private mutating func rehash(toHold n: Int) {
        var slots = mask + 1
        while n * 2 > slots { slots *= 2 }
        let old = words
        words = [UInt64](repeating: 0, count: slots * 2)
        mask = slots - 1
        let zero = hasZero
        count = 0
        hasZero = false
        for i in stride(from: 0, to: old.count, by: 2) where old[i] != 0 || old[i + 1] != 0 {
            insert(high: old[i], low: old[i + 1])
        }
        if zero {
            hasZero = true
            count += 1
        }
    }
}
