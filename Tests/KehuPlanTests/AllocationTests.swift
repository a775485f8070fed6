import KehuPlan
import KehuTesting
import Testing

@Suite("Cheapest allocation")
struct AllocationTests {
    /// Every combination of counts up to each option's limit: the cheapest cost that covers the gap.
    func bruteForce(_ gap: Int64, _ options: [Allocation.Option]) -> Int64? {
        let limits = options.map { option -> Int64 in
            let needed = option.value > 0 ? (gap + option.value - 1) / option.value : 0
            return min(option.capacity ?? needed, needed)
        }
        var best: Int64?
        var counts = [Int64](repeating: 0, count: options.count)
        func visit(_ k: Int) {
            if k == options.count {
                let value = zip(counts, options).reduce(Int64(0)) { $0 + $1.0 * $1.1.value }
                guard value >= gap else { return }
                let cost = zip(counts, options).reduce(Int64(0)) { $0 + $1.0 * $1.1.cost }
                if best == nil || cost < best! { best = cost }
                return
            }
            for x in 0...limits[k] {
                counts[k] = x
                visit(k + 1)
            }
            counts[k] = 0
        }
        visit(0)
        return best
    }

    @Test("optimal against brute force on 2,000 random small cases, including capacity-bound and infeasible ones")
    func againstBruteForce() {
        var rng = SplitMix(seed: 20_261_123)
        var infeasible = 0
        var capacityBound = 0
        for _ in 0..<2_000 {
            let count = Int(rng.next() % 4) + 2
            let options = (0..<count).map { _ in
                Allocation.Option(
                    value: Int64(rng.next() % 20) + 1, cost: Int64(rng.next() % 25),
                    capacity: rng.next() % 4 == 0 ? nil : Int64(rng.next() % 7))
            }
            let gap = Int64(rng.next() % 30) + 1
            let expected = bruteForce(gap, options)
            let result = Allocation.cheapest(covering: gap, with: options)
            #expect(result?.cost == expected, "gap \(gap), options \(options)")
            if let result {
                #expect(result.provenOptimal)
                #expect(result.value >= gap)
                #expect(zip(result.counts, options).allSatisfy { $0.0 >= 0 && $0.0 <= ($0.1.capacity ?? .max) })
                #expect(zip(result.counts, options).reduce(Int64(0)) { $0 + $1.0 * $1.1.cost } == result.cost)
                if options.contains(where: { $0.capacity != nil && result.counts[options.firstIndex(of: $0)!] == $0.capacity }) {
                    capacityBound += 1
                }
            } else {
                infeasible += 1
            }
        }
        // The random cases exercise both kinds.
        #expect(infeasible > 30)
        #expect(capacityBound > 100)
    }

    @Test("no gap needs nothing; options without value are never used")
    func edges() {
        #expect(Allocation.cheapest(covering: 0, with: [.init(value: 5, cost: 1, capacity: nil)])?.counts == [0])
        #expect(Allocation.cheapest(covering: -10, with: [])?.cost == 0)
        #expect(Allocation.cheapest(covering: 10, with: [.init(value: 0, cost: 0, capacity: nil)]) == nil)
        let result = Allocation.cheapest(covering: 10, with: [.init(value: 0, cost: 0, capacity: nil), .init(value: 3, cost: 2, capacity: nil)])
        #expect(result?.counts == [0, 4])
        #expect(result?.cost == 8)
    }

    @Test("huge gaps and values do not overflow")
    func large() {
        let result = Allocation.cheapest(
            covering: 5_000_000_000_000, with: [.init(value: 3_000_000, cost: 250, capacity: 1_000_000), .init(value: 1_000_000, cost: 100, capacity: nil)])
        // 1,000,000 of the first cover 3e12; the rest, 2e12, needs 2,000,000 of the second.
        #expect(result?.counts == [1_000_000, 2_000_000])
        #expect(result?.cost == 450_000_000)
    }
}
