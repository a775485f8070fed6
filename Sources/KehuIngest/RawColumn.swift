/// A growable column of plain values in manually managed memory: appending is a capacity check
/// and a store, without the uniqueness check an `Array` append makes. Decoders append millions
/// of values per second to a dozen columns, so that check would dominate.
///
/// Ownership is explicit: the owner calls ``free()`` exactly once (``BatchBuilder`` does when it
/// hands its columns over as arrays).
struct RawColumn<Element> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private(set) var capacity: Int

    init(capacity: Int) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
    }

    @inline(__always)
    mutating func append(_ value: Element) {
        if count == capacity { grow(count + 1) }
        (base + count).initialize(to: value)
        count += 1
    }

    @inline(__always)
    mutating func append(contentsOf values: UnsafeBufferPointer<Element>) {
        if count + values.count > capacity { grow(count + values.count) }
        if let source = values.baseAddress { (base + count).initialize(from: source, count: values.count) }
        count += values.count
    }

    @inline(__always)
    subscript(index: Int) -> Element {
        get { base[index] }
        nonmutating set { base[index] = newValue }
    }

    /// Forgets the values, keeping the memory.
    @inline(__always)
    mutating func removeAll() {
        base.deinitialize(count: count)
        count = 0
    }

    var buffer: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }

    /// The values as an array.
    /// - Complexity: O(count).
    func array() -> [Element] { Array(buffer) }

    mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private mutating func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        newBase.moveInitialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Releases the memory; the column must not be used afterwards.
    func free() {
        base.deinitialize(count: count)
        base.deallocate()
    }
}

/// A direct-mapped cache from short texts (up to 16 bytes) to small values, in front of a slower
/// lookup: the string tables of low-cardinality fields (channel, sku ...) and event kinds.
/// A hit costs two word loads and a compare instead of a hash of the bytes and a table probe.
struct ShortTextCache {
    private struct Entry {
        var low: UInt64
        var high: UInt64
        var length: Int
        var value: UInt32
    }

    private var entries: RawColumn<Entry>
    private let mask: Int

    /// A cache of `2^bits` entries; ``free()`` it when done.
    init(bits: Int) {
        let size = 1 << bits
        entries = RawColumn(capacity: size)
        for _ in 0..<size { entries.append(Entry(low: 0, high: 0, length: -1, value: 0)) }
        mask = size - 1
    }

    func free() { entries.free() }

    /// The bytes of a text of at most 16 bytes as two little-endian words, zero-padded; reads
    /// only within the text.
    @inline(__always)
    static func pack(_ text: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        let n = text.count
        guard let p = text.baseAddress, n > 0 else { return (0, 0) }
        if n >= 8 {
            let low = p.loadUnaligned(as: UInt64.self)
            if n == 8 { return (low, 0) }
            let tail = p.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            return (low, tail >> UInt64((16 - n) * 8))
        }
        if n >= 4 {
            let first = UInt64(p.loadUnaligned(as: UInt32.self))
            let last = UInt64(p.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
            return (first | last << UInt64((n - 4) * 8), 0)
        }
        var low = UInt64(p.load(as: UInt8.self))
        if n > 1 { low |= UInt64(p.load(fromByteOffset: 1, as: UInt8.self)) << 8 }
        if n > 2 { low |= UInt64(p.load(fromByteOffset: 2, as: UInt8.self)) << 16 }
        return (low, 0)
    }

    @inline(__always)
    private func slot(_ low: UInt64, _ high: UInt64, _ length: Int) -> Int {
        let mixed = (low &* 0x9E37_79B9_7F4A_7C15) ^ (high &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(length)
        return Int(truncatingIfNeeded: mixed >> 40) & mask
    }

    /// The cached value of a text (of at most 16 bytes), or `nil`.
    @inline(__always)
    func value(_ text: UnsafeRawBufferPointer) -> UInt32? {
        let (low, high) = Self.pack(text)
        let entry = entries[slot(low, high, text.count)]
        return entry.length == text.count && entry.low == low && entry.high == high ? entry.value : nil
    }

    /// Remembers a value for a text of at most 16 bytes.
    @inline(__always)
    func store(_ text: UnsafeRawBufferPointer, _ value: UInt32) {
        let (low, high) = Self.pack(text)
        entries[slot(low, high, text.count)] = Entry(low: low, high: high, length: text.count, value: value)
    }
}
