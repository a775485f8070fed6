import KehuStore

/// A set of consumers of one snapshot, as a bitmap over dense consumer indices
/// (`0 ..< snapshot.consumerCount`). Tags, audiences and reach plans are all consumer sets;
/// the boolean algebra runs a 64-bit word at a time, so combining sets of 10M consumers
/// touches 1.25 MB per operand.
///
/// Indices are only meaningful within the snapshot the set was computed on: anything kept
/// across snapshots (imported tags, audience snapshots, reach sends) is stored by identity key
/// or consumer id, never by index.
public struct ConsumerSet: Sendable, Equatable {
    /// The universe size: the snapshot's consumer count.
    public let capacity: Int
    /// `capacity` bits, least significant bit first; bits past `capacity` are always zero.
    public private(set) var words: [UInt64]

    /// The empty set over `capacity` consumers.
    public init(capacity: Int) {
        precondition(capacity >= 0)
        self.capacity = capacity
        self.words = [UInt64](repeating: 0, count: (capacity + 63) / 64)
    }

    /// Every consumer.
    public static func all(capacity: Int) -> ConsumerSet {
        var set = ConsumerSet(capacity: capacity)
        for w in set.words.indices { set.words[w] = ~0 }
        set.clearTail()
        return set
    }

    /// The consumers whose indices are listed (duplicates are fine).
    public init<S: Sequence>(capacity: Int, members: S) where S.Element == Int {
        self.init(capacity: capacity)
        for c in members { insert(c) }
    }

    /// The consumers for which `predicate` is true, in index order.
    public init(capacity: Int, where predicate: (Int) -> Bool) {
        self.init(capacity: capacity)
        words.withUnsafeMutableBufferPointer { words in
            for w in words.indices {
                var word: UInt64 = 0
                let base = w &* 64
                for bit in 0..<min(64, capacity - base) where predicate(base + bit) { word |= 1 << UInt64(bit) }
                words[w] = word
            }
        }
    }

    public func contains(_ c: Int) -> Bool {
        precondition(c >= 0 && c < capacity, "consumer index \(c) outside 0..<\(capacity)")
        return words[c >> 6] & (1 << UInt64(c & 63)) != 0
    }

    public mutating func insert(_ c: Int) {
        precondition(c >= 0 && c < capacity, "consumer index \(c) outside 0..<\(capacity)")
        words[c >> 6] |= 1 << UInt64(c & 63)
    }

    public mutating func remove(_ c: Int) {
        precondition(c >= 0 && c < capacity, "consumer index \(c) outside 0..<\(capacity)")
        words[c >> 6] &= ~(1 << UInt64(c & 63))
    }

    /// The number of consumers in the set.
    public var count: Int { words.reduce(0) { $0 &+ $1.nonzeroBitCount } }
    public var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    public func intersection(_ other: ConsumerSet) -> ConsumerSet { combined(other) { $0 & $1 } }
    public func union(_ other: ConsumerSet) -> ConsumerSet { combined(other) { $0 | $1 } }
    public func subtracting(_ other: ConsumerSet) -> ConsumerSet { combined(other) { $0 & ~$1 } }

    /// Every consumer not in the set.
    public func complement() -> ConsumerSet {
        var out = self
        for w in out.words.indices { out.words[w] = ~out.words[w] }
        out.clearTail()
        return out
    }

    /// The size of the intersection, without building it.
    public func intersectionCount(_ other: ConsumerSet) -> Int {
        precondition(capacity == other.capacity, "consumer sets of different snapshots (\(capacity) and \(other.capacity) consumers)")
        var total = 0
        for w in words.indices { total &+= (words[w] & other.words[w]).nonzeroBitCount }
        return total
    }

    /// The member indices in increasing order.
    public var members: [Int] {
        var out: [Int] = []
        out.reserveCapacity(count)
        forEach { out.append($0) }
        return out
    }

    /// Calls `body` with each member index in increasing order.
    public func forEach(_ body: (Int) throws -> Void) rethrows {
        for (w, word) in words.enumerated() {
            var bits = word
            while bits != 0 {
                try body(w &* 64 &+ bits.trailingZeroBitCount)
                bits &= bits &- 1
            }
        }
    }

    private func combined(_ other: ConsumerSet, _ op: (UInt64, UInt64) -> UInt64) -> ConsumerSet {
        precondition(capacity == other.capacity, "consumer sets of different snapshots (\(capacity) and \(other.capacity) consumers)")
        var out = self
        out.words.withUnsafeMutableBufferPointer { out in
            other.words.withUnsafeBufferPointer { theirs in
                for w in out.indices { out[w] = op(out[w], theirs[w]) }
            }
        }
        return out
    }

    /// Replaces every word (same count; bits past `capacity` must be zero).
    mutating func replaceWords(_ new: [UInt64]) {
        precondition(new.count == words.count)
        words = new
        #if DEBUG
        let tail = capacity & 63
        if tail != 0, let last = words.last { assert(last >> UInt64(tail) == 0, "bits set past the capacity") }
        #endif
    }

    private mutating func clearTail() {
        let tail = capacity & 63
        if tail != 0, !words.isEmpty { words[words.count - 1] &= (1 << UInt64(tail)) &- 1 }
    }
}

extension ConsumerSet {
    /// The consumers of a snapshot as a set over its consumer count.
    public init(_ snapshot: Snapshot, where predicate: (Int) -> Bool) {
        self.init(capacity: snapshot.consumerCount, where: predicate)
    }
}
