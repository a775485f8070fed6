#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Customer summaries laid out for fast BG/NBD likelihood passes.
///
/// Identical (x, t_x, T) customers become one row with a weight (CDNOW's 2,357 customers are
/// 1,016 distinct rows). Rows are grouped by frequency, so every term that depends only on x and
/// the parameters (the log-gamma and digamma terms) is computed once per distinct x; and ages are
/// indices into a table of distinct ages, so ln(α + T) is computed once per distinct age. What is
/// left per row is two table reads, one logarithm, one exponential and one log1p.
struct BGNBDLikelihoodRows: Sendable {
    /// Distinct frequencies, ascending; rows of group g are `groupStart[g]..<groupStart[g + 1]`.
    private(set) var groupFrequency: [Double] = []
    private(set) var groupStart: [Int] = [0]
    private(set) var groupWeight: [Double] = []
    /// Per row, in group order.
    private(set) var recency: [Double] = []
    private(set) var ageIndex: [Int32] = []
    private(set) var weight: [Double] = []
    /// Distinct ages, ascending.
    private(set) var distinctAges: [Double] = []
    private(set) var totalWeight = 0.0
    private(set) var customerCount = 0
    private(set) var largestAge = 0.0

    /// The derivative of the total log-likelihood with respect to (r, α, a, b).
    struct Gradient {
        var r = 0.0, alpha = 0.0, a = 0.0, b = 0.0
    }

    var rowCount: Int { weight.count }

    /// Validates and groups the customers.
    /// - Complexity: O(n) hashing and a counting sort, plus sorting the recencies within each
    ///   (x, T) cell to merge equal rows.
    init(_ customers: [CustomerSummary], requireRepeatCustomers: Bool) throws(FitError) {
        guard !customers.isEmpty else { throw .noCustomers }
        var hasRepeatCustomer = false
        var largestFrequency = 0
        for (index, customer) in customers.enumerated() {
            try customer.validateTimes(index: index)
            if customer.frequency > 0 { hasRepeatCustomer = true }
            largestFrequency = max(largestFrequency, customer.frequency)
        }
        if requireRepeatCustomers && !hasRepeatCustomer { throw .noRepeatCustomers(model: "BG/NBD") }
        let count = customers.count
        customerCount = count
        totalWeight = Double(count)

        // Distinct ages, ascending, and each customer's position in that table.
        var agePosition = [Double: Int32]()
        var customerAge = [Int32](repeating: 0, count: count)
        for i in 0..<count {
            let age = customers[i].age
            if let known = agePosition[age] {
                customerAge[i] = known
            } else {
                let next = Int32(distinctAges.count)
                agePosition[age] = next
                distinctAges.append(age)
                customerAge[i] = next
            }
        }
        let ageOrder = distinctAges.indices.sorted { distinctAges[$0] < distinctAges[$1] }
        var rank = [Int32](repeating: 0, count: ageOrder.count)
        for (sorted, original) in ageOrder.enumerated() { rank[original] = Int32(sorted) }
        distinctAges = ageOrder.map { distinctAges[$0] }
        for i in 0..<count { customerAge[i] = rank[Int(customerAge[i])] }
        largestAge = distinctAges.last ?? 0

        // Dense numbers for the distinct frequencies, ascending: an array indexed by x when x is
        // not absurdly large, else a dictionary.
        var frequencyRank: [Int32] = []
        var frequencyRankTable: [Int: Int] = [:]
        if largestFrequency <= 4 * count {
            var seen = [Bool](repeating: false, count: largestFrequency + 1)
            for customer in customers { seen[customer.frequency] = true }
            frequencyRank = [Int32](repeating: -1, count: largestFrequency + 1)
            for x in 0...largestFrequency where seen[x] {
                frequencyRank[x] = Int32(groupFrequency.count)
                groupFrequency.append(Double(x))
            }
        } else {
            for (rank, x) in Set(customers.map(\.frequency)).sorted().enumerated() {
                frequencyRankTable[x] = rank
                groupFrequency.append(Double(x))
            }
        }
        func group(ofFrequency x: Int) -> Int {
            frequencyRank.isEmpty ? frequencyRankTable[x]! : Int(frequencyRank[x])
        }

        // Customers without repeat purchases (usually most) only need a count per age.
        let ages = distinctAges.count
        var zeroCount = [Double](repeating: 0, count: ages)
        // The others as (cell, recency), cell = group · ages + age, ordered by cell.
        var cells: [Int] = []
        var recencies: [Double] = []
        for i in 0..<count where customers[i].frequency > 0 {
            cells.append(group(ofFrequency: customers[i].frequency) * ages + Int(customerAge[i]))
            recencies.append(customers[i].recency)
        }
        for i in 0..<count where customers[i].frequency == 0 { zeroCount[Int(customerAge[i])] += 1 }
        let cellCount = groupFrequency.count * ages
        var sortedCells = [Int](repeating: 0, count: cells.count)
        var sortedRecencies = [Double](repeating: 0, count: cells.count)
        if cellCount <= 2 * cells.count + 4096 {
            // Counting sort: sequential reads, one scatter.
            var next = [Int](repeating: 0, count: cellCount + 1)
            for cell in cells { next[cell + 1] += 1 }
            for c in 0..<cellCount { next[c + 1] += next[c] }
            for j in cells.indices {
                let slot = next[cells[j]]
                sortedCells[slot] = cells[j]
                sortedRecencies[slot] = recencies[j]
                next[cells[j]] += 1
            }
        } else {
            let order = cells.indices.sorted { cells[$0] < cells[$1] }
            for (slot, j) in order.enumerated() {
                sortedCells[slot] = cells[j]
                sortedRecencies[slot] = recencies[j]
            }
        }

        // Rows: group by group, ages ascending, equal recencies merged.
        recency.reserveCapacity(cells.count + ages)
        ageIndex.reserveCapacity(cells.count + ages)
        weight.reserveCapacity(cells.count + ages)
        groupWeight = [Double](repeating: 0, count: groupFrequency.count)
        groupStart = [0]
        if groupFrequency.first == 0 {
            for j in 0..<ages where zeroCount[j] > 0 {
                recency.append(0)
                ageIndex.append(Int32(j))
                weight.append(zeroCount[j])
                groupWeight[0] += zeroCount[j]
            }
            groupStart.append(weight.count)
        }
        var k = 0
        while k < sortedCells.count {
            let cell = sortedCells[k]
            var upper = k
            while upper < sortedCells.count && sortedCells[upper] == cell { upper += 1 }
            sortedRecencies[k..<upper].sort()
            let group = cell / ages
            while groupStart.count <= group { groupStart.append(weight.count) }
            for j in k..<upper {
                if j > k && sortedRecencies[j] == sortedRecencies[j - 1] {
                    weight[weight.count - 1] += 1
                } else {
                    recency.append(sortedRecencies[j])
                    ageIndex.append(Int32(cell % ages))
                    weight.append(1)
                }
            }
            groupWeight[group] += Double(upper - k)
            k = upper
        }
        while groupStart.count <= groupFrequency.count { groupStart.append(weight.count) }
    }

    /// The total log-likelihood at `parameters`, and its gradient.
    /// - Complexity: O(distinct rows + distinct ages + distinct frequencies), split across cores
    ///   when there are many rows.
    func evaluate(_ parameters: BGNBDParameters, gradient: inout Gradient, parallel: Bool) -> Double {
        let r = parameters.r, alpha = parameters.alpha, a = parameters.a, b = parameters.b
        let groups = groupFrequency.count

        // Terms that depend on x only: A₁ + A₂ and their derivatives, once per distinct x.
        let logGammaR = SpecialFunctions.logGamma(r)
        let logGammaB = SpecialFunctions.logGamma(b)
        let logGammaAB = SpecialFunctions.logGamma(a + b)
        let digammaR = SpecialFunctions.digamma(r)
        let digammaB = SpecialFunctions.digamma(b)
        let digammaAB = SpecialFunctions.digamma(a + b)
        let logAlpha = log(alpha)
        var groupLogOdds = [Double](repeating: 0, count: groups)
        var groupValue = 0.0
        var total = Gradient()
        for g in 0..<groups {
            let x = groupFrequency[g]
            let w = groupWeight[g]
            let constant = SpecialFunctions.logGamma(r + x) - logGammaR + r * logAlpha
                + logGammaAB + SpecialFunctions.logGamma(b + x) - logGammaB - SpecialFunctions.logGamma(a + b + x)
            groupValue += w * constant
            let digammaABX = SpecialFunctions.digamma(a + b + x)
            total.r += w * (SpecialFunctions.digamma(r + x) - digammaR + logAlpha)
            total.alpha += w * r / alpha
            total.a += w * (digammaAB - digammaABX)
            total.b += w * (digammaAB + SpecialFunctions.digamma(b + x) - digammaB - digammaABX)
            if x > 0 { groupLogOdds[g] = log(a) - log(b + x - 1) }
        }

        // ln(α + T) and 1/(α + T) once per distinct age.
        let ages = distinctAges.count
        var logAge = [Double](repeating: 0, count: ages)
        var inverseAge = [Double](repeating: 0, count: ages)
        for j in 0..<ages {
            logAge[j] = log(alpha + distinctAges[j])
            inverseAge[j] = 1 / (alpha + distinctAges[j])
        }

        let rows = rowCount
        let chunks = Parallel.chunkCount(for: rows, minimumPerChunk: 16_384, allowed: parallel)
        var partials = [Partial](repeating: Partial(), count: chunks)
        groupFrequency.withUnsafeBufferPointer { frequency in
        groupStart.withUnsafeBufferPointer { start in
        groupLogOdds.withUnsafeBufferPointer { logOdds in
        recency.withUnsafeBufferPointer { recency in
        ageIndex.withUnsafeBufferPointer { ageIndex in
        weight.withUnsafeBufferPointer { weight in
        logAge.withUnsafeBufferPointer { logAge in
        inverseAge.withUnsafeBufferPointer { inverseAge in
        partials.withUnsafeMutableBufferPointer { partials in
            // The buffers are read-only during the pass and each chunk writes only its own slot
            // of `partials`, so sharing them with the worker threads is race-free.
            nonisolated(unsafe) let columns = Columns(
                frequency: frequency, start: start, logOdds: logOdds, recency: recency, ageIndex: ageIndex,
                weight: weight, logAge: logAge, inverseAge: inverseAge
            )
            nonisolated(unsafe) let partials = partials
            Parallel.run(chunks: chunks) { chunk in
                let range = Parallel.range(ofChunk: chunk, of: chunks, count: rows)
                partials[chunk] = Self.pass(columns, rows: range, r: r, alpha: alpha, a: a, b: b)
            }
        }}}}}}}}}

        var value = groupValue
        for partial in partials {
            value += partial.value
            total.r += partial.r
            total.alpha += partial.alpha
            total.a += partial.a
            total.b += partial.b
        }
        gradient = total
        return value
    }

    private struct Columns {
        var frequency: UnsafeBufferPointer<Double>
        var start: UnsafeBufferPointer<Int>
        var logOdds: UnsafeBufferPointer<Double>
        var recency: UnsafeBufferPointer<Double>
        var ageIndex: UnsafeBufferPointer<Int32>
        var weight: UnsafeBufferPointer<Double>
        var logAge: UnsafeBufferPointer<Double>
        var inverseAge: UnsafeBufferPointer<Double>
    }

    private struct Partial {
        var value = 0.0, r = 0.0, alpha = 0.0, a = 0.0, b = 0.0
    }

    /// The row-dependent parts (A₃, A₄ and their derivatives) over one range of rows.
    private static func pass(_ c: Columns, rows: Range<Int>, r: Double, alpha: Double, a: Double, b: Double) -> Partial {
        var out = Partial()
        guard !rows.isEmpty else { return out }
        // First group overlapping the range: the last start that is <= rows.lowerBound.
        var low = 0, high = c.frequency.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if c.start[mid] <= rows.lowerBound { low = mid } else { high = mid - 1 }
        }
        var g = low
        while g < c.frequency.count && c.start[g] < rows.upperBound {
            let lower = max(c.start[g], rows.lowerBound)
            let upper = min(c.start[g + 1], rows.upperBound)
            let x = c.frequency[g]
            let n = r + x
            if x == 0 {
                // Only "still alive": ln L = const - r ln(α + T).
                var sumLog = 0.0, sumInverse = 0.0
                for i in lower..<upper {
                    let j = Int(c.ageIndex[i])
                    sumLog += c.weight[i] * c.logAge[j]
                    sumInverse += c.weight[i] * c.inverseAge[j]
                }
                out.value -= r * sumLog
                out.r -= sumLog
                out.alpha -= r * sumInverse
            } else {
                // ln L = const - n ln(α + T) + softplus(D), D = ln a - ln(b + x - 1) + n ln((α + T)/(α + t_x)):
                // softplus(D) adds the "dropped out after the last purchase" branch; σ(D) is its posterior weight.
                let logOdds = c.logOdds[g]
                var value = 0.0, dr = 0.0, dAlpha = 0.0, sumSigma = 0.0
                for i in lower..<upper {
                    let j = Int(c.ageIndex[i])
                    let w = c.weight[i]
                    let logT = c.logAge[j]
                    let inverseT = c.inverseAge[j]
                    let shifted = alpha + c.recency[i]
                    let logRecency = log(shifted)
                    let d = logOdds + n * (logT - logRecency)
                    let e = exp(-abs(d))
                    let softplus = max(d, 0) + log1p(e)
                    let sigma = d >= 0 ? 1 / (1 + e) : e / (1 + e)
                    value += w * (softplus - n * logT)
                    dr += w * (sigma * (logT - logRecency) - logT)
                    dAlpha += w * (sigma * (inverseT - 1 / shifted) - inverseT)
                    sumSigma += w * sigma
                }
                out.value += value
                out.r += dr
                out.alpha += n * dAlpha
                out.a += sumSigma / a
                out.b -= sumSigma / (b + x - 1)
            }
            g += 1
        }
        return out
    }
}

extension CustomerSummary {
    /// The checks lifetimes makes, with the offending customer's index.
    func validateTimes(index: Int) throws(FitError) {
        guard recency.isFinite else { throw .nonFinite(field: .recency, customerIndex: index) }
        guard age.isFinite else { throw .nonFinite(field: .age, customerIndex: index) }
        guard frequency >= 0 else { throw .negative(field: .frequency, customerIndex: index, value: Double(frequency)) }
        guard recency >= 0 else { throw .negative(field: .recency, customerIndex: index, value: recency) }
        guard age >= 0 else { throw .negative(field: .age, customerIndex: index, value: age) }
        guard recency <= age else { throw .recencyExceedsAge(customerIndex: index, recency: recency, age: age) }
        guard frequency > 0 || recency == 0 else { throw .recencyWithoutRepeatPurchase(customerIndex: index, recency: recency) }
    }
}
