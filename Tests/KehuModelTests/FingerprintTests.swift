import KehuModel
import Testing

@Suite struct FingerprintTests {
    @Test func isStableAcrossRunsAndMachines() {
        // Recorded once; a change of the hash function (which would break deduplication against
        // fingerprints already on disk) fails here.
        #expect(EventFingerprint(eventID: "e000000001").hex == "0189b75358747341718843b90fc91eac")
        #expect(EventFingerprint.derived(from: "x").hex == "d6a229ca962ed132838cf9e6ef9a2996")
        #expect(StableHash.hash("kehu", seed: 7) == 0xc555_aadb_c78c_7f16)
        #expect(StableHash.hash("", seed: 0) == 0)
    }

    @Test func equalIDsAgreeAndDifferentOnesDiffer() {
        #expect(EventFingerprint(eventID: "e1") == EventFingerprint(eventID: "e1"))
        #expect(EventFingerprint(eventID: "e1") != EventFingerprint(eventID: "e2"))
        #expect(EventFingerprint(eventID: "e1") != EventFingerprint(eventID: "E1"))
        // 9 bytes: one full word and a tail byte; differing only in the tail.
        #expect(EventFingerprint(eventID: "abcdefgh1") != EventFingerprint(eventID: "abcdefgh2"))
        let many = Set((0..<10_000).map { EventFingerprint(eventID: "e\($0)") })
        #expect(many.count == 10_000)
    }

    @Test func bytesAndStringsGiveTheSameFingerprint() {
        let bytes = Array("order-17".utf8)
        let fromBytes = bytes.withUnsafeBytes { EventFingerprint(eventID: $0) }
        #expect(fromBytes == EventFingerprint(eventID: "order-17"))
    }

    @Test func derivedFingerprintsCannotEqualAnIDs() {
        // derived(from:) hashes a prefixed text, so a record whose content reads like an id
        // does not collide with that id.
        #expect(EventFingerprint.derived(from: "e1") != EventFingerprint(eventID: "e1"))
        #expect(EventFingerprint.derived(from: "e1") == EventFingerprint(eventID: "\u{1}derived\u{1}e1"))
    }

    @Test func hexIsThirtyTwoDigitsAndOrderIsByHighThenLow() {
        let small = EventFingerprint(high: 0, low: 0xF)
        #expect(small.hex == "0000000000000000000000000000000f")
        #expect(small < EventFingerprint(high: 1, low: 0))
        #expect(EventFingerprint(high: 1, low: 0) < EventFingerprint(high: 1, low: 1))
    }
}
