import KehuTesting
import Testing
@testable import KehuIdentity

@Suite("OneID")
struct OneIDTests {
    private func links(_ pairs: [(UInt32, UInt32)]) -> [KeyLink] { pairs.compactMap { KeyLink($0.0, $0.1) } }

    @Test("keys seen together become one consumer; separate keys stay apart")
    func basicLinking() {
        // Keys 1-2 linked (member + phone), 2-3 linked (phone + unionid), 4 alone, 5-6 linked.
        // Components {1,2,3}, {4}, {5,6}: three consumers, ids 1, 2, 3 in key order.
        let result = OneID.resolve(keyCount: 6, links: links([(1, 2), (3, 2), (5, 6)]), previous: [], nextConsumerID: 1)
        #expect(result.consumerOfKey == [0, 1, 1, 1, 2, 3, 3])
        #expect(result.consumerCount == 3)
        #expect(result.nextConsumerID == 4)
        #expect(result.guarded.isEmpty)
    }

    @Test("a merge keeps the older consumer id; a new component takes the next id")
    func stableIDsOnMerge() {
        // Before: key 1 -> consumer 7, key 2 -> consumer 3, key 3 new. Link 1-2 now: the merged
        // consumer keeps the smaller old id 3. Key 3 alone is new: it gets nextConsumerID 10.
        let result = OneID.resolve(keyCount: 3, links: links([(1, 2)]), previous: [0, 7, 3, 0], nextConsumerID: 10)
        #expect(result.consumerOfKey == [0, 3, 3, 10])
        #expect(result.nextConsumerID == 11)
    }

    @Test("a split leaves the old id with the part holding the first key")
    func stableIDsOnSplit() {
        // Before: keys 1, 2 were one consumer 5 (the link is gone, e.g. after erasure).
        // Key 1 comes first in key order and keeps 5; key 2 gets a new id 6.
        let result = OneID.resolve(keyCount: 2, links: [], previous: [0, 5, 5], nextConsumerID: 6)
        #expect(result.consumerOfKey == [0, 5, 6])
    }

    @Test("the shared-key guard: a device linking 21 consumers is not used; one linking 20 is")
    func sharedKeyGuard() {
        // Key 1 is a device seen with 21 members (keys 2...22): 21 > 20, guarded, so 22 consumers
        // remain (21 members + the device on its own).
        let shared = OneID.resolve(
            keyCount: 22, links: links((2...22).map { (1, UInt32($0)) }), previous: [], nextConsumerID: 1)
        #expect(shared.guarded == [GuardedKey(keyID: 1, consumers: 21)])
        #expect(shared.consumerCount == 22)
        #expect(Set(shared.consumerOfKey[2...22]).count == 21)

        // Key 1 seen with 20 members: not over the limit, all 21 keys are one consumer.
        let limit = OneID.resolve(
            keyCount: 21, links: links((2...21).map { (1, UInt32($0)) }), previous: [], nextConsumerID: 1)
        #expect(limit.guarded.isEmpty)
        #expect(limit.consumerCount == 1)
    }

    @Test("the guard counts consumers, not keys: one person's many keys count once")
    func guardCountsConsumers() {
        // A device (key 1) is linked to 25 keys, but they are 5 people with 5 keys each
        // (keys 2-6, 7-11, ..., 22-26 each chained together). Degree 25 > 20 makes it a
        // candidate, yet it joins only 5 consumers, so it is kept: all 26 keys are one consumer.
        var pairs: [(UInt32, UInt32)] = (2...26).map { (1, UInt32($0)) }
        for person in 0..<5 {
            let first = UInt32(2 + person * 5)
            for k in first..<(first + 4) { pairs.append((k, k + 1)) }
        }
        let result = OneID.resolve(keyCount: 26, links: links(pairs), previous: [], nextConsumerID: 1)
        #expect(result.guarded.isEmpty)
        #expect(result.consumerCount == 1)
    }

    @Test("resolution does not depend on link order or duplicates")
    func orderIndependent() {
        let pairs: [(UInt32, UInt32)] = [(1, 2), (3, 4), (2, 3), (5, 6), (6, 7), (1, 2)]
        let a = OneID.resolve(keyCount: 8, links: links(pairs), previous: [], nextConsumerID: 1)
        let b = OneID.resolve(keyCount: 8, links: links(pairs.reversed().map { ($0.1, $0.0) }), previous: [], nextConsumerID: 1)
        #expect(a == b)
        // {1,2,3,4} -> 1, {5,6,7} -> 2, {8} -> 3
        #expect(a.consumerOfKey == [0, 1, 1, 1, 1, 2, 2, 2, 3])
    }

    @Test("on 300 random graphs with shared keys and earlier ids, resolution agrees with a plain breadth-first reference")
    func agreesWithReference() {
        var random = SplitMix(seed: 20261124)
        for round in 0..<300 {
            let keyCount = 1 + Int(random.next() % 120)
            let guardLimit = 2 + Int(random.next() % 5)
            var pairs: [(UInt32, UInt32)] = []
            for _ in 0..<Int(random.next() % UInt64(2 * keyCount + 1)) {
                pairs.append((UInt32(1 + random.next() % UInt64(keyCount)), UInt32(1 + random.next() % UInt64(keyCount))))
            }
            // A few hubs (shared devices) linked to many keys, some past the guard.
            for _ in 0..<Int(random.next() % 3) {
                let hub = UInt32(1 + random.next() % UInt64(keyCount))
                for _ in 0..<Int(random.next() % UInt64(3 * guardLimit)) {
                    pairs.append((hub, UInt32(1 + random.next() % UInt64(keyCount))))
                }
            }
            // Earlier consumer ids, some shared by several keys, some keys new (0).
            let previous: [UInt32] = (0...keyCount).map { k in
                k == 0 || random.next() % 3 == 0 ? 0 : UInt32(1 + random.next() % UInt64(keyCount / 2 + 1))
            }
            let next = (previous.max() ?? 0) + 1 + UInt32(random.next() % 3)
            let got = OneID.resolve(keyCount: keyCount, links: links(pairs), previous: previous, nextConsumerID: next, guardLimit: guardLimit)
            let expected = Self.reference(keyCount: keyCount, pairs: pairs, previous: previous, next: next, guardLimit: guardLimit)
            #expect(got == expected, "round \(round)")
            // Given sorted and unique, packed links are used as they are: the same answer.
            let sorted = Array(Set(links(pairs).map(\.packed))).sorted()
            #expect(OneID.resolve(keyCount: keyCount, packedLinks: sorted, previous: previous, nextConsumerID: next, guardLimit: guardLimit) == expected)
        }
    }

    /// The definition, computed plainly: components by breadth-first search over the links
    /// allowed by the guard; ids by visiting keys in id order.
    static func reference(keyCount: Int, pairs: [(UInt32, UInt32)], previous: [UInt32], next: UInt32, guardLimit: Int) -> IdentityResolution {
        let n = keyCount + 1
        var edges = Set<[Int]>()
        for (x, y) in pairs where x != y { edges.insert([Int(min(x, y)), Int(max(x, y))]) }
        var neighbours = [Set<Int>](repeating: [], count: n)
        for e in edges {
            neighbours[e[0]].insert(e[1])
            neighbours[e[1]].insert(e[0])
        }
        let candidate = (0..<n).map { $0 > 0 && neighbours[$0].count > guardLimit }
        func components(allowed: (Int, Int) -> Bool) -> [Int] {
            var label = [Int](repeating: -1, count: n)
            for start in 1..<max(1, n) where label[start] == -1 {
                label[start] = start
                var queue = [start]
                while let k = queue.popLast() {
                    for m in neighbours[k] where label[m] == -1 && allowed(k, m) {
                        label[m] = start
                        queue.append(m)
                    }
                }
            }
            return label
        }
        let plain = components { !candidate[$0] && !candidate[$1] }
        var guarded: [GuardedKey] = []
        for c in 1..<max(1, n) where candidate[c] {
            let joined = Set(neighbours[c].map { candidate[$0] ? -$0 : plain[$0] })
            if joined.count > guardLimit { guarded.append(GuardedKey(keyID: UInt32(c), consumers: joined.count)) }
        }
        let isGuarded = Set(guarded.map { Int($0.keyID) })
        let final = components { !isGuarded.contains($0) && !isGuarded.contains($1) }
        var idOf: [Int: UInt32] = [:]
        var claimed = Set<UInt32>()
        var nextID = next
        var consumerOfKey = [UInt32](repeating: 0, count: n)
        for k in 1..<max(1, n) {
            if idOf[final[k]] == nil {
                let options = (1..<n).filter { final[$0] == final[k] && $0 < previous.count && previous[$0] != 0 }.map { previous[$0] }
                if let reuse = options.sorted().first(where: { !claimed.contains($0) }) {
                    idOf[final[k]] = reuse
                } else {
                    idOf[final[k]] = nextID
                    nextID += 1
                }
                claimed.insert(idOf[final[k]]!)
            }
            consumerOfKey[k] = idOf[final[k]]!
        }
        return IdentityResolution(consumerOfKey: consumerOfKey, nextConsumerID: nextID, guarded: guarded, consumerCount: idOf.count)
    }
}
