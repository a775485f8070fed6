import KehuModel

/// Counts how often each content digest has been seen in one file, so the n-th identical record
/// gets occurrence n-1: re-ingesting the file reproduces the same fingerprints (and dedupes),
/// while two identical lines in one file stay two events.
///
/// Keyed by 64 bits of the 128-bit digest: identical content always shares a key, so identical
/// records always get distinct occurrences; a 64-bit collision between different content only
/// changes an occurrence number, never makes two fingerprints equal. Memory is one 8-byte slot per
/// distinct record at a load of at most 3/4, plus a dictionary entry per repeated one.
struct OccurrenceCounter {
    private var slots: [UInt64] = Array(repeating: 0, count: 1024)
    private var used = 0
    private var repeats: [UInt64: UInt32] = [:]

    /// The occurrence number of one more record with this key: 0 the first time, then 1, 2 ...
    /// - Complexity: amortised O(1).
    mutating func next(_ key: UInt64) -> UInt32 {
        let key = key == 0 ? 1 : key
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: key ^ (key >> 29)) & mask
        while true {
            let stored = slots[slot]
            if stored == 0 { break }
            if stored == key {
                let next = (repeats[key] ?? 0) + 1
                repeats[key] = next
                return next
            }
            slot = (slot + 1) & mask
        }
        slots[slot] = key
        used += 1
        if used * 4 > slots.count * 3 { grow() }
        return 0
    }

    private mutating func grow() {
        let newCount = slots.count * 2
        var newSlots = [UInt64](repeating: 0, count: newCount)
        let mask = newCount - 1
        for key in slots where key != 0 {
            var slot = Int(truncatingIfNeeded: key ^ (key >> 29)) & mask
            while newSlots[slot] != 0 { slot = (slot + 1) & mask }
            newSlots[slot] = key
        }
        slots = newSlots
    }
}

/// The fingerprints of events whose source gives no `event_id` (docs/formats.md, "Derived
/// fingerprints"): a digest of the event's canonical content, then of that digest with the
/// occurrence number of identical content in the file.
enum DerivedFingerprint {
    /// `EventFingerprint.derived(from:)` prefixes its text with these bytes.
    static let prefix: [UInt8] = Array("\u{1}derived\u{1}".utf8)
    /// Separates the parts of the canonical content.
    static let separator: UInt8 = 0x1F

    /// The final fingerprint: `EventFingerprint.derived(from: content.hex + "#" + occurrence)`.
    static func finish(content: EventFingerprint, occurrence: UInt32) -> EventFingerprint {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer in
            var n = 0
            for byte in prefix { buffer[n] = byte; n += 1 }
            appendHex(content.high, to: buffer, at: &n)
            appendHex(content.low, to: buffer, at: &n)
            buffer[n] = UInt8(ascii: "#"); n += 1
            n = appendDecimal(UInt64(occurrence), to: buffer, at: n)
            return EventFingerprint(eventID: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[0..<n])))
        }
    }

    private static func appendHex(_ value: UInt64, to buffer: UnsafeMutableBufferPointer<UInt8>, at n: inout Int) {
        let digits: StaticString = "0123456789abcdef"
        for shift in stride(from: 60, through: 0, by: -4) {
            buffer[n] = digits.utf8Start[Int((value >> UInt64(shift)) & 0xF)]
            n += 1
        }
    }

    /// Writes a decimal number; returns the new end.
    static func appendDecimal(_ value: UInt64, to buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int) -> Int {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var v = value
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[count] = UInt8(48 + v % 10)
                v /= 10
                count += 1
            } while v > 0
            for i in 0..<count { buffer[start + i] = raw[count - 1 - i] }
        }
        return start + count
    }
}
