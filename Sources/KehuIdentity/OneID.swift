/// OneID (三通一平): links identity keys seen together into consumers.
///
/// Keys are dense integer ids `1...keyCount` (0 is unused). A link says two keys were seen in
/// the same event or identify record. Consumers are the connected components of the links, with
/// one guard: a key that would link more than `guardLimit` consumers on its own — a shared
/// device, a store guide's phone — is not used for linking and is reported instead.
///
/// The guard, exactly: a key with at most `guardLimit` distinct linked keys can never join more
/// than `guardLimit` consumers, so only keys of higher degree are candidates. Components are
/// formed without any candidate; a candidate whose neighbours fall into more than `guardLimit`
/// distinct components (other candidates counting one each) is guarded; the other candidates'
/// links are then added back.
///
/// Consumer ids are stable: a component keeps the smallest id any of its keys had before, so a
/// merge keeps the older consumer, and a split leaves the old id with the part that holds it
/// first in key order; new components get new ids from a counter.
public struct IdentityResolution: Sendable, Equatable {
    /// Consumer id per key id (index 0 unused and 0).
    public var consumerOfKey: [UInt32]
    /// The next unused consumer id.
    public var nextConsumerID: UInt32
    /// Keys excluded from linking, with the number of consumers they would have joined.
    public var guarded: [GuardedKey]
    /// Number of distinct consumers.
    public var consumerCount: Int

    public init(consumerOfKey: [UInt32], nextConsumerID: UInt32, guarded: [GuardedKey], consumerCount: Int) {
        self.consumerOfKey = consumerOfKey
        self.nextConsumerID = nextConsumerID
        self.guarded = guarded
        self.consumerCount = consumerCount
    }
}

/// A key the shared-key guard kept out of linking.
public struct GuardedKey: Sendable, Hashable, Codable {
    public var keyID: UInt32
    /// Distinct consumers its links would have joined.
    public var consumers: Int

    public init(keyID: UInt32, consumers: Int) {
        self.keyID = keyID
        self.consumers = consumers
    }
}

/// A link between two keys, stored with `a < b`.
public struct KeyLink: Sendable, Hashable, Codable {
    public var a: UInt32
    public var b: UInt32

    /// A link in normal order; `nil` for a key linked to itself.
    public init?(_ x: UInt32, _ y: UInt32) {
        guard x != y else { return nil }
        a = min(x, y)
        b = max(x, y)
    }

    /// Both ids packed in one integer (a in the high half), for compact sets.
    public var packed: UInt64 { UInt64(a) << 32 | UInt64(b) }
    public init(packed: UInt64) {
        a = UInt32(packed >> 32)
        b = UInt32(truncatingIfNeeded: packed)
    }
}

public enum OneID {
    /// The default shared-key guard: a key linking more than 20 consumers is not used.
    public static let defaultGuardLimit = 20

    /// Resolves keys into consumers.
    /// - Parameters:
    ///   - keyCount: the largest key id.
    ///   - links: links between key ids (duplicates allowed).
    ///   - previous: the consumer id each key had before (index by key id; 0 or missing = none).
    ///   - nextConsumerID: the first id a new consumer may take (ids start at 1).
    /// - Complexity: O((k + l) α(k)) for k keys and l links, plus O(l log l) to group neighbours.
    public static func resolve(
        keyCount: Int, links: [KeyLink], previous: [UInt32], nextConsumerID: UInt32, guardLimit: Int = defaultGuardLimit
    ) -> IdentityResolution {
        resolve(
            keyCount: keyCount, packedLinks: links.map(\.packed), previous: previous, nextConsumerID: nextConsumerID,
            guardLimit: guardLimit)
    }

    /// Resolves keys into consumers, links given packed (``KeyLink/packed``); already sorted and
    /// without repeats (as the catalogue's links are kept) they are used as they are, else they
    /// are sorted and deduplicated first.
    /// - Complexity: O((k + l) α(k)) for k keys and l links (plus O(l log l) when not sorted),
    ///   in flat arrays: nothing is allocated per key.
    public static func resolve(
        keyCount: Int, packedLinks: [UInt64], previous: [UInt32], nextConsumerID: UInt32, guardLimit: Int = defaultGuardLimit
    ) -> IdentityResolution {
        let n = keyCount + 1
        // Distinct links in order.
        var unique = packedLinks
        if !isStrictlyIncreasing(unique) {
            unique.sort()
            var kept = 0
            for i in 0..<unique.count where kept == 0 || unique[i] != unique[kept - 1] {
                unique[kept] = unique[i]
                kept += 1
            }
            unique.removeLast(unique.count - kept)
        }
        var degree = [Int32](repeating: 0, count: n)
        for p in unique {
            let l = KeyLink(packed: p)
            degree[Int(l.a)] += 1
            degree[Int(l.b)] += 1
        }
        var isCandidate = [Bool](repeating: false, count: n)
        for k in 1..<max(1, n) where Int(degree[k]) > guardLimit { isCandidate[k] = true }

        var sets = DisjointSets(count: n)
        for p in unique {
            let l = KeyLink(packed: p)
            if !isCandidate[Int(l.a)] && !isCandidate[Int(l.b)] { sets.union(Int(l.a), Int(l.b)) }
        }

        var guarded: [GuardedKey] = []
        var isGuarded = [Bool](repeating: false, count: n)
        let candidates = (1..<max(1, n)).filter { isCandidate[$0] }
        if !candidates.isEmpty {
            var neighbours = [[UInt32]](repeating: [], count: n)
            for p in unique {
                let l = KeyLink(packed: p)
                if isCandidate[Int(l.a)] { neighbours[Int(l.a)].append(l.b) }
                if isCandidate[Int(l.b)] { neighbours[Int(l.b)].append(l.a) }
            }
            for c in candidates {
                var components = Set<Int>()
                for m in neighbours[c] {
                    // Another candidate is a component of its own (its links are not yet in).
                    components.insert(isCandidate[Int(m)] ? -Int(m) : sets.find(Int(m)))
                }
                if components.count > guardLimit {
                    isGuarded[c] = true
                    guarded.append(GuardedKey(keyID: UInt32(c), consumers: components.count))
                }
            }
            for p in unique {
                let l = KeyLink(packed: p)
                guard isCandidate[Int(l.a)] || isCandidate[Int(l.b)] else { continue }
                if !isGuarded[Int(l.a)] && !isGuarded[Int(l.b)] { sets.union(Int(l.a), Int(l.b)) }
            }
        }

        // Stable ids: visit keys in id order; a root's id is the smallest previous id among its
        // keys that no earlier component has claimed. The previous ids of each root's keys are
        // one run of a flat array (counting sort by root).
        func before(_ k: Int) -> UInt32 { k < previous.count ? previous[k] : 0 }
        var rootOf = [Int32](repeating: 0, count: n)
        var runStart = [Int32](repeating: 0, count: n + 1)
        var largestPrevious: UInt32 = 0
        for k in 1..<max(1, n) {
            let root = sets.find(k)
            rootOf[k] = Int32(root)
            let id = before(k)
            if id != 0 {
                runStart[root + 1] += 1
                largestPrevious = max(largestPrevious, id)
            }
        }
        for i in 0..<n { runStart[i + 1] += runStart[i] }
        var options = [UInt32](repeating: 0, count: Int(runStart[n]))
        var fill = runStart
        for k in 1..<max(1, n) {
            let id = before(k)
            guard id != 0 else { continue }
            let root = Int(rootOf[k])
            options[Int(fill[root])] = id
            fill[root] += 1
        }
        fill = []
        var claimed = [Bool](repeating: false, count: Int(largestPrevious) + 1)
        var idOfRoot = [UInt32](repeating: 0, count: n)
        var consumerOfKey = [UInt32](repeating: 0, count: n)
        var next = max(nextConsumerID, 1)
        var count = 0
        for k in 1..<max(1, n) {
            let root = Int(rootOf[k])
            if idOfRoot[root] == 0 {
                var reuse: UInt32 = 0
                for i in Int(runStart[root])..<Int(runStart[root + 1]) {
                    let option = options[i]
                    if !claimed[Int(option)] && (reuse == 0 || option < reuse) { reuse = option }
                }
                if reuse != 0 {
                    idOfRoot[root] = reuse
                } else {
                    idOfRoot[root] = next
                    next += 1
                }
                if Int(idOfRoot[root]) < claimed.count { claimed[Int(idOfRoot[root])] = true }
                count += 1
            }
            consumerOfKey[k] = idOfRoot[root]
        }
        return IdentityResolution(consumerOfKey: consumerOfKey, nextConsumerID: next, guarded: guarded, consumerCount: count)
    }

    static func isStrictlyIncreasing(_ values: [UInt64]) -> Bool {
        for i in values.indices.dropFirst() where values[i] <= values[i - 1] { return false }
        return true
    }
}

/// Union-find with path halving and union by size.
struct DisjointSets {
    private var parent: [Int32]
    private var size: [Int32]

    init(count: Int) {
        parent = (0..<Int32(count)).map { $0 }
        size = [Int32](repeating: 1, count: count)
    }

    mutating func find(_ x: Int) -> Int {
        var x = Int32(x)
        while parent[Int(x)] != x {
            parent[Int(x)] = parent[Int(parent[Int(x)])]
            x = parent[Int(x)]
        }
        return Int(x)
    }

    mutating func union(_ a: Int, _ b: Int) {
        var ra = find(a)
        var rb = find(b)
        if ra == rb { return }
        if size[ra] < size[rb] { swap(&ra, &rb) }
        // Keep the smaller root id as root when sizes tie, so results do not depend on link order.
        if size[ra] == size[rb] && rb < ra { swap(&ra, &rb) }
        parent[rb] = Int32(ra)
        size[ra] += size[rb]
    }
}
