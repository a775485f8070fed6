/// The cheapest way to add consumers across stages so that their value covers a gap: minimise
/// Σ cost[s] · x[s] subject to Σ value[s] · x[s] ≥ gap and 0 ≤ x[s] ≤ capacity[s], x integer.
///
/// Solved exactly by depth-first branch and bound over the stages in order of cost per unit of
/// value, with the linear-programming relaxation (fill the cheapest stages first, the last one
/// fractionally) as the bound. All arithmetic is in integers: values in units of 0.0001 fen,
/// costs in fen.
public enum Allocation {
    /// One stage that can take extra consumers.
    public struct Option: Sendable, Hashable {
        /// Value one added consumer brings, in 0.0001 fen (> 0).
        public var value: Int64
        /// Cost of adding one consumer, in fen (≥ 0).
        public var cost: Int64
        /// The most consumers this stage can add; nil for no limit.
        public var capacity: Int64?

        public init(value: Int64, cost: Int64, capacity: Int64?) {
            self.value = value
            self.cost = cost
            self.capacity = capacity
        }
    }

    /// The result: counts per option (same order as the options), their cost and value, and
    /// whether the search finished (it stops after ``nodeBudget`` nodes with the best found).
    public struct Result: Sendable, Hashable {
        public var counts: [Int64]
        public var cost: Int64
        public var value: Int64
        public var provenOptimal: Bool
    }

    /// Nodes the search may visit before it settles for the best allocation found so far.
    public static let nodeBudget = 2_000_000

    /// The cheapest allocation covering `gap` (0.0001 fen), or nil when even every capacity
    /// filled cannot cover it. A gap of zero or less needs no one.
    /// - Complexity: exponential in the number of options in the worst case, bounded by
    ///   ``nodeBudget``; the five stages explore a few nodes because the bound prunes hard.
    public static func cheapest(covering gap: Int64, with options: [Option]) -> Result? {
        guard gap > 0 else { return Result(counts: options.map { _ in 0 }, cost: 0, value: 0, provenOptimal: true) }
        let usable = options.indices.filter { options[$0].value > 0 && (options[$0].capacity ?? 1) > 0 }
        // Cheapest per unit of value first: cost_a / value_a < cost_b / value_b, cross-multiplied.
        let order = usable.sorted { a, b in
            let left = options[a].cost.multipliedFullWidth(by: options[b].value)
            let right = options[b].cost.multipliedFullWidth(by: options[a].value)
            return left.high != right.high ? left.high < right.high : (left.low != right.low ? left.low < right.low : a < b)
        }
        var reachable: Int64 = 0
        for i in order {
            guard let capacity = options[i].capacity else { reachable = .max; break }
            reachable = saturatingAdd(reachable, saturatingMultiply(capacity, options[i].value))
        }
        guard reachable >= gap else { return nil }

        var bestCost = Int64.max
        var bestCounts: [Int64] = []
        var counts = [Int64](repeating: 0, count: options.count)
        var nodes = 0

        /// A lower bound on the cost of covering `remaining` with options order[k...]: the LP
        /// relaxation rounded up (an integer solution costs a whole number of fen); nil when
        /// they cannot cover it.
        func bound(_ k: Int, _ remaining: Int64) -> Int64? {
            var left = remaining
            var cost: Int64 = 0
            for j in order[k...] {
                let option = options[j]
                let full = option.capacity.map { saturatingMultiply($0, option.value) } ?? .max
                if full >= left {
                    return saturatingAdd(cost, ceilDiv(option.cost.multipliedFullWidth(by: left), option.value))
                }
                cost = saturatingAdd(cost, saturatingMultiply(option.capacity!, option.cost))
                left -= full
            }
            return nil
        }

        func search(_ k: Int, _ remaining: Int64, _ spent: Int64) {
            nodes += 1
            if remaining <= 0 {
                if spent < bestCost {
                    bestCost = spent
                    bestCounts = counts
                }
                return
            }
            guard k < order.count, nodes < nodeBudget else { return }
            let i = order[k]
            let option = options[i]
            let enough = (remaining + option.value - 1) / option.value
            // Most first, as the LP fills the cheapest stage; fewer here leaves more to dearer
            // stages. The bound of "x here, the LP after" never falls as x falls (later stages
            // cost at least as much per unit of value), so the first x whose bound cannot beat
            // the best ends the loop.
            var x = min(enough, option.capacity ?? enough)
            while x >= 0 && nodes < nodeBudget {
                counts[i] = x
                let rest = remaining - saturatingMultiply(x, option.value)
                let spentHere = saturatingAdd(spent, saturatingMultiply(x, option.cost))
                if rest > 0 {
                    guard k + 1 < order.count, let lower = bound(k + 1, rest) else { break }
                    if saturatingAdd(spentHere, lower) >= bestCost { break }
                } else if spentHere >= bestCost {
                    x -= 1
                    continue
                }
                search(k + 1, rest, spentHere)
                x -= 1
            }
            counts[i] = 0
        }
        search(0, gap, 0)
        guard bestCost != .max else { return nil }
        let value = bestCounts.indices.reduce(Int64(0)) { saturatingAdd($0, saturatingMultiply(bestCounts[$1], options[$1].value)) }
        return Result(counts: bestCounts, cost: bestCost, value: value, provenOptimal: nodes < nodeBudget)
    }

    static func ceilDiv(_ numerator: (high: Int64, low: UInt64), _ denominator: Int64) -> Int64 {
        // numerator is non-negative here.
        if numerator.high > 0 || numerator.low > UInt64(Int64.max) {
            let (q, r) = denominator.dividingFullWidth(numerator)
            return r > 0 ? saturatingAdd(q, 1) : q
        }
        let n = Int64(numerator.low)
        return n / denominator + (n % denominator > 0 ? 1 : 0)
    }

    static func saturatingMultiply(_ a: Int64, _ b: Int64) -> Int64 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? .max : product
    }

    static func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }
}
