import KehuModel
import Testing
@testable import KehuStore

@Suite("FingerprintSet")
struct FingerprintSetTests {
    /// A deterministic stream of fingerprints with repeats: about one in five is an earlier one
    /// (within the batch or from an earlier batch), and some share their slot bits.
    static func stream(count: Int, seed: UInt64) -> [EventFingerprint] {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var out: [EventFingerprint] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            let r = next()
            if i > 0 && r % 5 == 0 {
                out.append(out[Int(next() % UInt64(i))])
            } else if r % 7 == 0 {
                // Same slot bits (high ^ low >> 7) as another fingerprint: a forced collision.
                let low = next()
                out.append(EventFingerprint(high: (r ^ (low >> 7)) ^ (next() >> 7), low: next()))
            } else {
                out.append(EventFingerprint(high: r, low: next()))
            }
        }
        out.append(EventFingerprint(high: 0, low: 0))
        out.append(EventFingerprint(high: 0, low: 0))
        return out
    }

    @Test("batched inserts through several growths answer exactly as a Set does, one by one")
    func matchesSet() {
        let fingerprints = Self.stream(count: 200_000, seed: 42)
        let set = FingerprintSet(capacity: 16)
        var reference = Set<EventFingerprint>()
        var start = 0
        // Batches of uneven sizes, so growth happens inside reserve at different fill levels.
        // The last batch is the rest (123,994, with the two all-zero fingerprints at its end).
        for size in [1, 7, 1_000, 15_000, 60_000, Int.max] where start < fingerprints.count {
            let batch = Array(fingerprints[start..<min(start + min(size, fingerprints.count), fingerprints.count)])
            start += batch.count
            let keep = UnsafeMutablePointer<Bool>.allocate(capacity: batch.count)
            defer { keep.deallocate() }
            let fresh = batch.withUnsafeBufferPointer { set.insertAll($0, keep: keep) }
            var expectedFresh = 0
            for (i, fp) in batch.enumerated() {
                let isNew = reference.insert(fp).inserted
                if isNew { expectedFresh += 1 }
                #expect(keep[i] == isNew, "fingerprint \(start - batch.count + i)")
            }
            #expect(fresh == expectedFresh)
        }
        #expect(start == fingerprints.count)
        #expect(set.count == reference.count)
        // Single inserts and lookups after the batches.
        for fp in Self.stream(count: 5_000, seed: 7) {
            #expect(set.contains(high: fp.high, low: fp.low) == reference.contains(fp))
            #expect(set.insert(high: fp.high, low: fp.low) == reference.insert(fp).inserted)
        }
        #expect(set.count == reference.count)
    }
}
