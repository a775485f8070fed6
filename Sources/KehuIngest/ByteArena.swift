/// A growable byte buffer owned by one decoding thread, for text that has to be rewritten before
/// use (CSV fields with doubled quotes, JSON strings with escapes, keys composed from a mapped
/// column). Values are addressed by offset, so growing never invalidates them.
final class ByteArena {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    /// Bytes in use.
    var count = 0

    init(capacity: Int = 4096) {
        self.capacity = max(64, capacity)
        base = .allocate(byteCount: self.capacity, alignment: 8)
    }

    deinit { base.deallocate() }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
        newBase.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Appends bytes, returning their offset.
    @inline(__always)
    @discardableResult
    func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        let offset = count
        reserve(bytes.count)
        if let source = bytes.baseAddress, bytes.count > 0 {
            (base + count).copyMemory(from: source, byteCount: bytes.count)
        }
        count += bytes.count
        return offset
    }

    @inline(__always)
    func append(byte: UInt8) {
        reserve(1)
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    /// The bytes at `offset ..< offset + length`; valid until the next append.
    @inline(__always)
    func bytes(_ offset: Int, _ length: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + offset, count: length)
    }
}

/// A span of text within either the input or a ``ByteArena``, resolved to a pointer only once
/// all rewriting of the record is done.
struct TextRef: Equatable {
    var offset: Int
    var length: Int
    var inArena: Bool

    static let empty = TextRef(offset: 0, length: 0, inArena: false)

    @inline(__always)
    func resolve(input: UnsafeRawPointer, arena: ByteArena) -> UnsafeRawBufferPointer {
        if length == 0 { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: inArena ? UnsafeRawPointer(arena.base) + offset : input + offset, count: length)
    }
}
