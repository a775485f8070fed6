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
    /// - Complexity: O(n) for a counting sort by x, plus sorting the spends within each x.
    init(_ customers: [CustomerSummary]) throws(FitError) {
        guard !customers.isEmpty else { throw .noCustomers }
        var repeatCount = 0
        var largestFrequency = 0
        for (index, customer) in customers.enumerated() {
            guard customer.frequency >= 0 else {
                throw .negative(field: .frequency, customerIndex: index, value: Double(customer.frequency))
            }
            guard customer.frequency > 0 else { continue }
            guard customer.monetaryValue.isFinite else { throw .nonFinite(field: .monetaryValue, customerIndex: index) }
            guard customer.monetaryValue > 0 else { throw .nonPositiveSpend(customerIndex: index, value: customer.monetaryValue) }
            repeatCount += 1
            largestFrequency = max(largestFrequency, customer.frequency)
        }
        guard repeatCount > 0 else { throw .noRepeatCustomers(model: "Gamma-Gamma") }

        // Spends ordered by x (a counting sort when x is not absurdly large), then by value within x.
        var frequencies: [Int] = []
        var spends = [Double](repeating: 0, count: repeatCount)
        var bucketStart: [Int] = []
        if largestFrequency <= 4 * customers.count {
            var count = [Int](repeating: 0, count: largestFrequency + 1)
            for customer in customers where customer.frequency > 0 { count[customer.frequency] += 1 }
            var next = [Int](repeating: 0, count: largestFrequency + 1)
            var position = 0
            for x in 1...largestFrequency where count[x] > 0 {
                frequencies.append(x)
                bucketStart.append(position)
                next[x] = position
                position += count[x]
            }
            for customer in customers where customer.frequency > 0 {
                spends[next[customer.frequency]] = customer.monetaryValue
                next[customer.frequency] += 1
            }
        } else {
            let pairs = customers.filter { $0.frequency > 0 }.sorted { $0.frequency < $1.frequency }
            for (k, customer) in pairs.enumerated() {
                if frequencies.last != customer.frequency {
                    frequencies.append(customer.frequency)
                    bucketStart.append(k)
                }
                spends[k] = customer.monetaryValue
            }
        }
        bucketStart.append(repeatCount)

        var sum = 0.0
        for (g, x) in frequencies.enumerated() {
            let range = bucketStart[g]..<bucketStart[g + 1]
            spends[range].sort()
            groupFrequency.append(Double(x))
            groupWeight.append(Double(range.count))
            var logSum = 0.0
            for k in range {
                let m = spends[k]
                sum += m
                logSum += log(m)
                if k > range.lowerBound && m == spends[k - 1] {
                    weight[weight.count - 1] += 1
                } else {
                    spend.append(m)
                    weight.append(1)
                }
            }
            groupWeightedLogSpend.append(logSum)
            groupStart.append(weight.count)
        }
        totalWeight = Double(repeatCount)
        meanSpend = sum / totalWeight
    }

    /// The total log-likelihood at `parameters` and its gradient.
    /// - Complexity: O(distinct rows + distinct frequencies), split across cores for many rows.
    func evaluate(_ parameters: GammaGammaParameters, gradient: inout Gradient, parallel: Bool) -> Double {
        // The terms are arranged so that nothing of size q·ln v is subtracted (see
        // ``GammaGammaParameters/logLikelihood(frequency:monetaryValue:)``): per group
        // -ln B(px, q) + px ln x + (px - 1) Σ ln m, per row -q·log1p(xm/v) - px·ln(xm + v).
        let p = parameters.p, q = parameters.q, v = parameters.v
        var value = 0.0
        var total = Gradient()
        for g in groupFrequency.indices {
            let x = groupFrequency[g]
            let px = p * x
            let w = groupWeight[g]
            let logX = log(x)
            value += w * (-SpecialFunctions.logBeta(px, q) + px * logX) + (px - 1) * groupWeightedLogSpend[g]
            total.p += x * (w * (SpecialFunctions.digamma(px + q) - SpecialFunctions.digamma(px) + logX) + groupWeightedLogSpend[g])
            total.q += w * SpecialFunctions.digammaDifference(q, shift: px)
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

    /// The -q·log1p(xm/v) - px·ln(xm + v) terms and their derivatives over a range of rows
    /// (d/dq: -log1p(xm/v); d/dv: q·xm / (v (xm + v)) - px / (xm + v)).
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
            var sumLog = 0.0, sumLog1p = 0.0, sumInverse = 0.0, sumShare = 0.0
            for i in max(c.start[g], rows.lowerBound)..<min(c.start[g + 1], rows.upperBound) {
                let xm = x * c.spend[i]
                let total = xm + v
                let w = c.weight[i]
                sumLog += w * log(total)
                sumLog1p += w * log1p(xm / v)
                sumInverse += w / total
                sumShare += w * xm / total
            }
            let px = p * x
            out.value -= q * sumLog1p + px * sumLog
            out.p -= x * sumLog
            out.q -= sumLog1p
            out.v += q / v * sumShare - px * sumInverse
            g += 1
        }
        return out
    }
}
