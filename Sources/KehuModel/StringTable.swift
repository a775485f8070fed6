/// An interning dictionary of byte strings: each distinct string gets a dense code.
///
/// Code 0 is the empty string and means "absent"; real strings get codes 1, 2, 3 ... in order of
/// first appearance, so a table built from the same input in the same order is identical.
public struct StringTable: Sendable, Hashable {
    /// The strings' bytes, back to back.
    public private(set) var storage: [UInt8] = []
    /// `offsets[c] ..< offsets[c + 1]` are the bytes of code `c`; code 0 spans nothing.
    public private(set) var offsets: [Int] = [0, 0]
    private var slots: [UInt32] = Array(repeating: 0, count: 16)
    private var hashes: [UInt64] = [0]

    public init() {}

    /// Builds a table holding `strings` with codes 1...n in order (duplicates keep their first code).
    public init(_ strings: some Sequence<String>) {
        for string in strings { _ = intern(string) }
    }

    public static func == (lhs: StringTable, rhs: StringTable) -> Bool {
        lhs.storage == rhs.storage && lhs.offsets == rhs.offsets
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage)
        hasher.combine(offsets)
    }

    /// Number of codes including the empty code 0.
    public var codeCount: Int { offsets.count - 1 }

    /// Number of non-empty strings.
    public var count: Int { offsets.count - 2 }

    @inline(__always)
    private static func hashOf(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        StableHash.hash(bytes, seed: 0x7374_7274_6162_6c65)
    }

    /// The code of `bytes`, adding it if new. Empty input is code 0.
    /// - Complexity: amortised O(n) in the length of the string.
    @inlinable
    public mutating func intern(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        if bytes.isEmpty { return 0 }
        return internNonEmpty(bytes)
    }

    @usableFromInline
    mutating func internNonEmpty(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        let hash = Self.hashOf(bytes)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let code = slots[slot]
            if code == 0 { break }
            if hashes[Int(code)] == hash, equals(code: code, bytes) { return code }
            slot = (slot + 1) & mask
        }
        let code = UInt32(offsets.count - 1)
        storage.append(contentsOf: bytes)
        offsets.append(storage.count)
        hashes.append(hash)
        slots[slot] = code
        if Int(code) * 2 > slots.count { grow() }
        return code
    }

    public mutating func intern(_ string: String) -> UInt32 {
        var copy = string
        return copy.withUTF8 { intern(UnsafeRawBufferPointer($0)) }
    }

    /// The code of a string if present; `0` for the empty string.
    public func code(of string: String) -> UInt32? {
        var copy = string
        return copy.withUTF8 { utf8 -> UInt32? in
            let bytes = UnsafeRawBufferPointer(utf8)
            if bytes.isEmpty { return 0 }
            let hash = Self.hashOf(bytes)
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let code = slots[slot]
                if code == 0 { return nil }
                if hashes[Int(code)] == hash, equals(code: code, bytes) { return code }
                slot = (slot + 1) & mask
            }
        }
    }

    private func equals(code: UInt32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let start = offsets[Int(code)]
        let end = offsets[Int(code) + 1]
        guard end - start == bytes.count else { return false }
        return storage.withUnsafeBytes { all in
            memcmpEqual(all.baseAddress! + start, bytes.baseAddress!, bytes.count)
        }
    }

    private mutating func grow() {
        let newCount = slots.count * 2
        var newSlots = [UInt32](repeating: 0, count: newCount)
        let mask = newCount - 1
        for code in 1..<(offsets.count - 1) {
            var slot = Int(truncatingIfNeeded: hashes[code]) & mask
            while newSlots[slot] != 0 { slot = (slot + 1) & mask }
            newSlots[slot] = UInt32(code)
        }
        slots = newSlots
    }

    /// Makes room for `strings` more strings totalling `bytes` bytes, so interning them neither
    /// reallocates nor rehashes.
    /// - Complexity: O(current count) when the hash index has to grow, else O(1).
    public mutating func reserveCapacity(strings: Int, bytes: Int) {
        storage.reserveCapacity(storage.count + bytes)
        offsets.reserveCapacity(offsets.count + strings)
        hashes.reserveCapacity(hashes.count + strings)
        // intern grows the index when code * 2 > slots.count; keep below that for every new code.
        let lastCode = offsets.count - 2 + strings
        var slotCount = slots.count
        while lastCode * 2 > slotCount { slotCount *= 2 }
        if slotCount > slots.count { rehash(slotCount) }
    }

    private mutating func rehash(_ newCount: Int) {
        var newSlots = [UInt32](repeating: 0, count: newCount)
        let mask = newCount - 1
        for code in 1..<max(1, offsets.count - 1) {
            var slot = Int(truncatingIfNeeded: hashes[code]) & mask
            while newSlots[slot] != 0 { slot = (slot + 1) & mask }
            newSlots[slot] = UInt32(code)
        }
        slots = newSlots
    }

    /// The string of a code; `nil` for code 0 (absent).
    public func string(_ code: UInt32) -> String? {
        if code == 0 { return nil }
        let start = offsets[Int(code)]
        let end = offsets[Int(code) + 1]
        return storage.withUnsafeBufferPointer { String(decoding: $0[start..<end], as: UTF8.self) }
    }

    /// Calls `body` with the bytes of a code, without allocating.
    public func withBytes<R>(_ code: UInt32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let start = offsets[Int(code)]
        let end = offsets[Int(code) + 1]
        return try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
    }

    /// All non-empty strings in code order (index 0 is code 1).
    public var strings: [String] { (1..<max(1, offsets.count - 1)).map { string(UInt32($0))! } }

    /// Rebuilds a table from stored bytes and offsets (as written in a segment).
    public init(storage: [UInt8], offsets: [Int]) {
        self.init()
        precondition(offsets.count >= 2 && offsets[0] == 0 && offsets[1] == 0, "a string table starts with the empty code")
        storage.withUnsafeBytes { all in
            for code in 1..<(offsets.count - 1) {
                let bytes = UnsafeRawBufferPointer(rebasing: all[offsets[code]..<offsets[code + 1]])
                _ = internNonEmpty(bytes)
            }
        }
    }
}

@inline(__always)
func memcmpEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    var i = 0
    while i + 8 <= count {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
            return false
        }
        i += 8
    }
    while i < count {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i += 1
    }
    return true
}
