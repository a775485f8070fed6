#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Repeat customers' (x, m) laid out for fast Gamma-Gamma likelihood passes: equal pairs merged
/// with a weight, grouped by x so that the gamma and digamma terms are computed once per distinct
/// x, and ln m precomputed, leaving one logarithm and one division per row and evaluation.
struct GammaGammaLikelihoodRows: Sendable {
    private(set) var groupFrequency: [Double] = []
    private(set) var groupStart: [Int] = [0]
    private(set) var groupWeight: [Double] = []
    /// Σ w ln m per group: fixed by the data.
    private(set) var groupWeightedLogSpend: [Double] = []
    private(set) var spend: [Double] = []
    private(set) var weight: [Double] = []
    private(set) var totalWeight = 0.0
    private(set) var meanSpend = 0.0

    /// Derivative of the total log-likelihood with respect to (p, q, v).
    struct Gradient {
        var p = 0.0, q = 0.0, v = 0.0
    }

    var rowCount: Int { weight.count }

    /// Keeps customers with frequency > 0, validating their average spend.
    /// - Complexity: O(n log n).
    init(_ customers: [CustomerSummary]) throws(FitError) {
        guard !customers.isEmpty else { throw .noCustomers }
        var repeatCustomers: [(x: Int, m: Double)] = []
        for (index, customer) in customers.enumerated() {
            guard customer.frequency >= 0 else {
                throw .negative(field: .frequency, customerIndex: index, value: Double(customer.frequency))
            }
            guard customer.frequency > 0 else { continue }
            guard customer.monetaryValue.isFinite else { throw .nonFinite(field: .monetaryValue, customerIndex: index) }
            guard customer.monetaryValue > 0 else { throw .nonPositiveSpend(customerIndex: index, value: customer.monetaryValue) }
            repeatCustomers.append((customer.frequency, customer.monetaryValue))
        }
        guard !repeatCustomers.isEmpty else { throw .noRepeatCustomers(model: "Gamma-Gamma") }
        repeatCustomers.sort { $0.x != $1.x ? $0.x < $1.x : $0.m < $1.m }

        var sum = 0.0
        var previous: (x: Int, m: Double)?
        for customer in repeatCustomers {
            sum += customer.m
            if let last = previous, last.x == customer.x, last.m == customer.m {
                weight[weight.count - 1] += 1
            } else {
                if previous?.x != customer.x {
                    if previous != nil { groupStart.append(weight.count) }
                    groupFrequency.append(Double(customer.x))
                    groupWeight.append(0)
                    groupWeightedLogSpend.append(0)
                }
                spend.append(customer.m)
                weight.append(1)
            }
            groupWeight[groupWeight.count - 1] += 1
            groupWeightedLogSpend[groupWeightedLogSpend.count - 1] += log(customer.m)
            previous = customer
        }
        groupStart.append(weight.count)
        totalWeight = Double(repeatCustomers.count)
        meanSpend = sum / totalWeight
    }

    /// The total log-likelihood at `parameters` and its gradient.
    /// - Complexity: O(distinct rows + distinct frequencies), split across cores for many rows.
    func evaluate(_ parameters: GammaGammaParameters, gradient: inout Gradient, parallel: Bool) -> Double {
        let p = parameters.p, q = parameters.q, v = parameters.v
        let logGammaQ = SpecialFunctions.logGamma(q)
        let digammaQ = SpecialFunctions.digamma(q)
        let logV = log(v)
        var value = 0.0
        var total = Gradient()
        for g in groupFrequency.indices {
            let x = groupFrequency[g]
            let px = p * x
            let w = groupWeight[g]
            let logX = log(x)
            let digammaPXQ = SpecialFunctions.digamma(px + q)
            value += w * (SpecialFunctions.logGammaRatio(px, shift: q) - logGammaQ + q * logV + px * logX)
                + (px - 1) * groupWeightedLogSpend[g]
            total.p += x * (w * (digammaPXQ - SpecialFunctions.digamma(px) + logX) + groupWeightedLogSpend[g])
            total.q += w * (digammaPXQ - digammaQ + logV)
            total.v += w * q / v
        }

        let rows = rowCount
        let chunks = Parallel.chunkCount(for: rows, minimumPerChunk: 32_768, allowed: parallel)
        var partials = [Partial](repeating: Partial(), count: chunks)
        groupFrequency.withUnsafeBufferPointer { frequency in
        groupStart.withUnsafeBufferPointer { start in
        spend.withUnsafeBufferPointer { spend in
        weight.withUnsafeBufferPointer { weight in
        partials.withUnsafeMutableBufferPointer { partials in
            // Read-only inputs; each chunk writes only its own slot.
            nonisolated(unsafe) let columns = Columns(frequency: frequency, start: start, spend: spend, weight: weight)
            nonisolated(unsafe) let partials = partials
            Parallel.run(chunks: chunks) { chunk in
                let range = Parallel.range(ofChunk: chunk, of: chunks, count: rows)
                partials[chunk] = Self.pass(columns, rows: range, p: p, q: q, v: v)
            }
        }}}}}
        for partial in partials {
            value += partial.value
            total.p += partial.p
            total.q += partial.q
            total.v += partial.v
        }
        gradient = total
        return value
    }

    private struct Columns {
        var frequency: UnsafeBufferPointer<Double>
        var start: UnsafeBufferPointer<Int>
        var spend: UnsafeBufferPointer<Double>
        var weight: UnsafeBufferPointer<Double>
    }

    private struct Partial {
        var value = 0.0, p = 0.0, q = 0.0, v = 0.0
    }

    /// The -(px + q) ln(xm + v) term and its derivatives over a range of rows.
    private static func pass(_ c: Columns, rows: Range<Int>, p: Double, q: Double, v: Double) -> Partial {
        var out = Partial()
        guard !rows.isEmpty else { return out }
        var low = 0, high = c.frequency.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if c.start[mid] <= rows.lowerBound { low = mid } else { high = mid - 1 }
        }
        var g = low
        while g < c.frequency.count && c.start[g] < rows.upperBound {
            let x = c.frequency[g]
            var sumLog = 0.0, sumInverse = 0.0
            for i in max(c.start[g], rows.lowerBound)..<min(c.start[g + 1], rows.upperBound) {
                let total = x * c.spend[i] + v
                sumLog += c.weight[i] * log(total)
                sumInverse += c.weight[i] / total
            }
            let shape = p * x + q
            out.value -= shape * sumLog
            out.p -= x * sumLog
            out.q -= sumLog
            out.v -= shape * sumInverse
            g += 1
        }
        return out
    }
}
