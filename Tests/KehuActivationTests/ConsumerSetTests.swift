import Testing
@testable import KehuActivation

@Suite struct ConsumerSetTests {
    // 130 consumers: three words, the last holding 2 bits (128, 129).
    // a = multiples of 3 below 130: 0, 3, ..., 129 -> 44 members.
    // b = even numbers below 130 -> 65 members.
    // a ∩ b = multiples of 6: 0, 6, ..., 126 -> 22; a ∪ b = 44 + 65 - 22 = 87;
    // a \ b = 44 - 22 = 22; complement of a = 130 - 44 = 86.
    let a = ConsumerSet(capacity: 130) { $0 % 3 == 0 }
    let b = ConsumerSet(capacity: 130, members: stride(from: 0, to: 130, by: 2))

    @Test func algebraOnHandCountedSets() {
        #expect(a.count == 44)
        #expect(b.count == 65)
        #expect(a.intersection(b).count == 22)
        #expect(a.intersectionCount(b) == 22)
        #expect(a.union(b).count == 87)
        #expect(a.subtracting(b).count == 22)
        #expect(a.complement().count == 86)
        #expect(a.intersection(b).members == Array(stride(from: 0, to: 130, by: 6)))
    }

    @Test func complementNeverSetsBitsPastCapacity() {
        let all = ConsumerSet.all(capacity: 130)
        #expect(all.count == 130)
        #expect(all.complement().isEmpty)
        #expect(ConsumerSet(capacity: 130).complement() == all)
        #expect(all.contains(129))
    }

    @Test func insertRemoveAndOrder() {
        var set = ConsumerSet(capacity: 70)
        for c in [69, 0, 64, 63, 64] { set.insert(c) }
        #expect(set.members == [0, 63, 64, 69])
        set.remove(63)
        #expect(set.members == [0, 64, 69])
        #expect(!set.contains(63))
        #expect(ConsumerSet(capacity: 0).count == 0)
    }
}
