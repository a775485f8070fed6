import CKehuPrefetch
import KehuModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A set of event fingerprints: open addressing over one flat table holding each slot's two
/// words side by side, so a probe touches one cache line. Fingerprints are already uniformly
/// distributed hashes, so their bits index the table directly. The all-zero fingerprint marks an
/// empty slot and is tracked by a flag of its own.
///
/// A store of 10M events needs a table of 256 MB, far beyond the caches, so every probe of a new
/// fingerprint is a cache miss (and, with 4 KiB pages, a TLB miss: in a virtual machine a page
/// walk costs several more misses). Two things make that cheap:
/// - ``insertAll(_:keep:)`` prefetches the slot of the fingerprint ``lookahead`` places ahead
///   before it inserts the current one, so about that many misses are in flight at once instead
///   of one (a prefetch, unlike a load, does not hold the instruction window while it waits);
/// - on Linux a large table is 2 MiB-aligned and advised as a transparent huge page region
///   (`MADV_HUGEPAGE`), so the whole table is covered by a few hundred TLB entries;
/// - a file ingest reserves room for the events it expects (``reserve(_:)``, from the size of
///   its files), so the table is not rebuilt and zeroed again as it fills.
/// The result of every insert is exactly what inserting the fingerprints one by one gives.
final class FingerprintSet {
    /// `2 * slots` words: slot `s` is `table[2s]` (high) and `table[2s + 1]` (low).
    private var table: UnsafeMutablePointer<UInt64>
    /// Whether `table` is an anonymous mapping (else it is heap memory).
    private var tableMapped: Bool
    private var mask: Int
    private var hasZero = false
    private(set) var count = 0
    /// Fingerprints whose slot is prefetched ahead of their insert.
    static let lookahead = 24
    /// Tables of at least this many bytes are advised as huge pages.
    private static let hugePageThreshold = 4 << 20
    private static let hugePage = 2 << 20

    /// The table grows when it would be more than this full (numerator over ``loadDenominator``):
    /// at most 70%, at least 35% after growing. Linear probing at 70% costs about 6 slots (96
    /// bytes, two cache lines) per new fingerprint; a 50% cap would double the table (512 MB
    /// instead of 256 MB at 10.8M events), and fresh memory is slow to fault in.
    private static let loadNumerator = 7
    private static let loadDenominator = 10

    @inline(__always)
    private static func fits(_ n: Int, slots: Int) -> Bool { n * loadDenominator <= slots * loadNumerator }

    init(capacity: Int = 1024) {
        var slots = 16
        while !Self.fits(capacity, slots: slots) { slots *= 2 }
        (table, tableMapped) = Self.allocate(words: slots * 2)
        mask = slots - 1
    }

    deinit { Self.release(table, words: (mask + 1) * 2, mapped: tableMapped) }

    /// Makes room for `additional` more fingerprints without growing during inserts.
    func reserve(_ additional: Int) {
        if !Self.fits(count + additional, slots: mask + 1) { rehash(toHold: count + additional) }
    }

    /// Inserts a fingerprint; returns false if it was already present.
    /// - Complexity: amortised O(1).
    @discardableResult
    func insert(high h: UInt64, low l: UInt64) -> Bool {
        if h == 0 && l == 0 {
            if hasZero { return false }
            hasZero = true
            count += 1
            return true
        }
        if !Self.fits(count + 1, slots: mask + 1) { rehash(toHold: count + 1) }
        return insertNonZero(h, l)
    }

    /// Inserts `fingerprints` in order; `keep[i]` is true when `fingerprints[i]` was not in the
    /// set before (nor earlier in the same buffer), exactly as inserting them one by one would
    /// answer. Returns how many were new.
    /// - Complexity: O(n), with about ``lookahead`` cache misses overlapping.
    @discardableResult
    func insertAll(_ fingerprints: UnsafeBufferPointer<EventFingerprint>, keep: UnsafeMutablePointer<Bool>) -> Int {
        let n = fingerprints.count
        guard n > 0 else { return 0 }
        reserve(n)
        let ahead = Self.lookahead
        for j in 0..<min(ahead, n) { kehu_prefetch_write(table + 2 * slot(fingerprints[j])) }
        var fresh = 0
        for i in 0..<n {
            if i &+ ahead < n { kehu_prefetch_write(table + 2 * slot(fingerprints[i &+ ahead])) }
            let fp = fingerprints[i]
            let isNew: Bool
            if fp.high == 0 && fp.low == 0 {
                isNew = !hasZero
                if isNew {
                    hasZero = true
                    count += 1
                }
            } else {
                isNew = insertNonZero(fp.high, fp.low)
            }
            keep[i] = isNew
            if isNew { fresh += 1 }
        }
        return fresh
    }

    /// Inserts the fingerprints stored as two columns (a segment's), in order.
    func insertAll(high: [UInt64], low: [UInt64]) {
        precondition(high.count == low.count, "one low word per high word")
        let pairs = [EventFingerprint](unsafeUninitializedCapacity: high.count) { buffer, initialized in
            for i in 0..<high.count { buffer[i] = EventFingerprint(high: high[i], low: low[i]) }
            initialized = high.count
        }
        let keep = UnsafeMutablePointer<Bool>.allocate(capacity: max(1, pairs.count))
        defer { keep.deallocate() }
        pairs.withUnsafeBufferPointer { _ = insertAll($0, keep: keep) }
    }

    func contains(high h: UInt64, low l: UInt64) -> Bool {
        if h == 0 && l == 0 { return hasZero }
        var slot = Self.slot(h, l) & mask
        while true {
            let sh = table[2 * slot], sl = table[2 * slot + 1]
            if sh == 0 && sl == 0 { return false }
            if sh == h && sl == l { return true }
            slot = (slot + 1) & mask
        }
    }

    // MARK: - Internals

    @inline(__always)
    private static func slot(_ h: UInt64, _ l: UInt64) -> Int { Int(truncatingIfNeeded: h ^ (l >> 7)) }

    @inline(__always)
    private func slot(_ fp: EventFingerprint) -> Int { Self.slot(fp.high, fp.low) & mask }

    /// Inserts a non-zero fingerprint into a table with room for it.
    @inline(__always)
    private func insertNonZero(_ h: UInt64, _ l: UInt64) -> Bool {
        var slot = Self.slot(h, l) & mask
        while true {
            let sh = table[2 * slot], sl = table[2 * slot + 1]
            if sh == 0 && sl == 0 {
                table[2 * slot] = h
                table[2 * slot + 1] = l
                count += 1
                return true
            }
            if sh == h && sl == l { return false }
            slot = (slot + 1) & mask
        }
    }

    private func rehash(toHold n: Int) {
        var slots = mask + 1
        while !Self.fits(n, slots: slots) { slots *= 2 }
        let old = table, oldSlots = mask + 1, oldMapped = tableMapped
        (table, tableMapped) = Self.allocate(words: slots * 2)
        mask = slots - 1
        // Every old fingerprint is distinct, so each goes to the first free slot of its probe;
        // the slot `lookahead` entries ahead is prefetched, as in `insertAll`.
        for s in 0..<oldSlots {
            if s &+ Self.lookahead < oldSlots {
                let a = s &+ Self.lookahead
                kehu_prefetch_write(table + 2 * (Self.slot(old[2 * a], old[2 * a + 1]) & mask))
            }
            let h = old[2 * s], l = old[2 * s + 1]
            guard h != 0 || l != 0 else { continue }
            var slot = Self.slot(h, l) & mask
            while table[2 * slot] != 0 || table[2 * slot + 1] != 0 { slot = (slot + 1) & mask }
            table[2 * slot] = h
            table[2 * slot + 1] = l
        }
        Self.release(old, words: oldSlots * 2, mapped: oldMapped)
    }

    /// Zeroed memory for `words` words. On Linux a large table is mapped anonymously (so the
    /// kernel's zero pages are all the zeroing it needs, page by page as probes first touch them),
    /// 2 MiB-aligned and advised as huge pages.
    private static func allocate(words: Int) -> (UnsafeMutablePointer<UInt64>, mapped: Bool) {
        let bytes = words * 8
        #if os(Linux)
        if bytes >= hugePageThreshold {
            let mapped = mmap(nil, bytes + hugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            if let mapped, mapped != MAP_FAILED {
                // Keep the 2 MiB-aligned part; unmap the rest on either side.
                let start = (Int(bitPattern: mapped) + hugePage - 1) & ~(hugePage - 1)
                let head = start - Int(bitPattern: mapped)
                if head > 0 { munmap(mapped, head) }
                let tail = hugePage - head
                if tail > 0 { munmap(UnsafeMutableRawPointer(bitPattern: start + bytes), tail) }
                let raw = UnsafeMutableRawPointer(bitPattern: start)!
                _ = madvise(raw, bytes, MADV_HUGEPAGE)
                return (raw.bindMemory(to: UInt64.self, capacity: words), true)
            }
        }
        #endif
        let pointer = UnsafeMutablePointer<UInt64>.allocate(capacity: words)
        pointer.initialize(repeating: 0, count: words)
        return (pointer, false)
    }

    private static func release(_ pointer: UnsafeMutablePointer<UInt64>, words: Int, mapped: Bool) {
        #if os(Linux)
        if mapped {
            munmap(pointer, words * 8)
            return
        }
        #endif
        pointer.deallocate()
    }
}
