/// A 128-bit stable digest of an event's identity: of its `event_id`, or of the whole record
/// when the source has none. Duplicates are detected by fingerprint within and across ingests.
///
/// The hash is fixed (not Swift's per-process seeded `Hasher`), so fingerprints written to disk
/// stay comparable across runs and machines. At 128 bits, a collision among 10^10 events has a
/// probability below 10^-18.
public struct EventFingerprint: Sendable, Hashable, Comparable, Codable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public static func < (lhs: EventFingerprint, rhs: EventFingerprint) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    /// The fingerprint of an `event_id` (bytes as given).
    public init(eventID bytes: UnsafeRawBufferPointer) {
        self.init(high: StableHash.hash(bytes, seed: 0x6b65_6875_6576_6964), low: StableHash.hash(bytes, seed: 0x9e37_79b9_7f4a_7c15))
    }

    public init(eventID: String) {
        var text = eventID
        self = text.withUTF8 { EventFingerprint(eventID: UnsafeRawBufferPointer($0)) }
    }

    /// A fingerprint of a record with no event id: prefixed so it cannot equal any id's.
    public static func derived(from canonicalRecord: String) -> EventFingerprint {
        EventFingerprint(eventID: "\u{1}derived\u{1}" + canonicalRecord)
    }

    /// 32 hex digits.
    public var hex: String {
        func pad(_ v: UInt64) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }
        return pad(high) + pad(low)
    }
}

/// A fast, stable 64-bit hash of bytes (a multiply-xorshift construction in the style of
/// wyhash/murmur, processed 8 bytes at a time). Not cryptographic: for fingerprints and tables.
public enum StableHash {
    /// - Complexity: O(n).
    @inlinable
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        var h = seed ^ (UInt64(bytes.count) &* 0xa076_1d64_78bd_642f)
        var index = 0
        let count = bytes.count
        while index + 8 <= count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            h = mixPublic(h ^ word, 0xe703_7ed1_a0b4_28db)
            index += 8
        }
        if index < count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while index < count {
                tail |= UInt64(bytes[index]) << shift
                shift += 8
                index += 1
            }
            h = mixPublic(h ^ tail, 0x8ebc_6af0_9c88_c6e3)
        }
        return mixPublic(h, 0x5899_65cc_7537_4cc3) ^ (h >> 29)
    }

    @inlinable @inline(__always)
    public static func mixPublic(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    public static func hash(_ text: String, seed: UInt64 = 0) -> UInt64 {
        var copy = text
        return copy.withUTF8 { hash(UnsafeRawBufferPointer($0), seed: seed) }
    }
}
