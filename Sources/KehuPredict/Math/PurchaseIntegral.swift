#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The expected number of purchases in a window of length t by a customer who is alive at its
/// start, averaged over the posterior of their purchase rate λ ~ Gamma(n, rate ω) and dropout
/// probability p ~ Beta(a, β):
///
///     S(s) = E_p[(1 - (1 + p·s)^-n) / p],   s = t / ω.
///
/// A customer with known λ and p makes (1 - e^(-λpt)) / p purchases in expectation (BG/NBD:
/// each purchase is followed by dropout with probability p); averaging over λ gives the inner
/// term. The closed form of FHL (2005) eqs. 9–10 writes S with Gauss's hypergeometric function,
///
///     S(s) = (a + β - 1)/(a - 1) · [1 - (1 - z)^n · ₂F₁(n, β; a + β - 1; z)],   z = s / (1 + s),
///
/// but that form divides by a - 1 (and cancels catastrophically near a = 1), and its series needs
/// about 1/(1 - z) terms when the window is long against the customer's age. So the ₂F₁ term is
/// evaluated through this integral instead, which is valid for every a, β, n > 0 and every s ≥ 0:
/// with p = 1/(1 + e^-y), y = μ + w·sinh(u) (μ the mode of the Beta density in y, w its width),
/// the integrand decays double-exponentially in u at both ends, so the trapezoidal rule in u
/// converges exponentially fast; the step is halved until successive sums agree to 1e-13.
/// Everything is in log space, so x = 10 000 purchases or ages of 10⁵ days neither overflow nor
/// underflow.
struct PurchaseIntegral: Sendable {
    /// Beta posterior of the dropout probability: a and β = b + x.
    let a: Double
    let beta: Double
    /// Gamma posterior shape of the purchase rate: n = r + x.
    let n: Double

    private let logBeta: Double
    private let center: Double
    private let width: Double

    init(a: Double, beta: Double, n: Double) {
        self.a = a
        self.beta = beta
        self.n = n
        logBeta = SpecialFunctions.logBeta(a, beta)
        center = log(a) - log(beta)
        width = (1 / a + 1 / beta).squareRoot()
    }

    /// S(s) for one window.
    func value(at s: Double) -> Double {
        var out = 0.0
        withUnsafePointer(to: s) { horizon in
            withUnsafeMutablePointer(to: &out) { result in
                evaluate(UnsafeBufferPointer(start: horizon, count: 1), into: UnsafeMutableBufferPointer(start: result, count: 1))
            }
        }
        return out
    }

    /// S(s) for several windows at once, sharing the quadrature nodes.
    /// - Complexity: O(nodes × horizons); typically 100–250 nodes (about 15 000 for a = b = 0.001).
    func evaluate(_ horizons: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        precondition(horizons.count == out.count)
        let count = horizons.count
        guard count > 0 else { return }
        // The integrand grows with s, so the largest window decides where the tails are negligible.
        var largest = 0
        for k in 1..<count where horizons[k] > horizons[largest] { largest = k }
        for k in 0..<count { out[k] = 0 }
        guard horizons[largest] > 0 else { return }

        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * count) { scratch in
            let previous = UnsafeMutableBufferPointer(rebasing: scratch[0..<count])
            let fresh = UnsafeMutableBufferPointer(rebasing: scratch[count..<(2 * count)])
            var step = 0.5
            // Level 0: all nodes k·h, walking out from the centre in both directions.
            for k in 0..<count { fresh[k] = 0 }
            addNodes(first: 0, stride: step, horizons, largest, into: fresh, estimate: 0)
            addNodes(first: -step, stride: -step, horizons, largest, into: fresh, estimate: 0)
            for k in 0..<count { out[k] = fresh[k] * step }

            for _ in 0..<9 {
                for k in 0..<count { previous[k] = out[k] }
                step /= 2
                // Halving the step adds the odd multiples of the new step.
                for k in 0..<count { fresh[k] = 0 }
                let estimate = previous[largest] / (2 * step)
                addNodes(first: step, stride: 2 * step, horizons, largest, into: fresh, estimate: estimate)
                addNodes(first: -step, stride: -2 * step, horizons, largest, into: fresh, estimate: estimate)
                var converged = true
                for k in 0..<count {
                    out[k] = previous[k] / 2 + fresh[k] * step
                    if abs(out[k] - previous[k]) > 1e-13 * abs(out[k]) { converged = false }
                }
                if converged { break }
            }
        }
    }

    /// Adds integrand values at u = first, first + stride, ... into `sums` until the terms are
    /// negligible against the running total (or `estimate`, the total known from coarser levels)
    /// and still falling, or u leaves ±12 (where sinh(u)·w covers any tail that matters).
    private func addNodes(
        first: Double, stride: Double, _ horizons: UnsafeBufferPointer<Double>, _ largest: Int,
        into sums: UnsafeMutableBufferPointer<Double>, estimate: Double
    ) {
        var u = first
        var previousTerm = Double.infinity
        var nodes = 0
        while abs(u) <= 12 {
            let y = center + width * sinh(u)
            let logP = -SpecialFunctions.softplus(-y)
            let logQ = -SpecialFunctions.softplus(y)
            let logWeight = a * logP + beta * logQ - logBeta + log(width * cosh(u))
            let weight = exp(logWeight)
            let p = exp(logP)
            var term = 0.0
            if weight > 0 {
                for k in 0..<horizons.count {
                    let value = weight * windowPurchases(p: p, s: horizons[k])
                    sums[k] += value
                    if k == largest { term = value }
                }
            }
            nodes += 1
            let total = max(abs(sums[largest]), estimate)
            if nodes >= 2 && term <= previousTerm && term <= 1e-17 * total { break }
            previousTerm = term
            u += stride
        }
    }

    /// (1 - (1 + p·s)^-n) / p, the expected purchases for a given p, averaged over λ.
    @inline(__always)
    private func windowPurchases(p: Double, s: Double) -> Double {
        let ps = p * s
        if n * ps < 1e-8 {
            // Two Taylor terms (the next is below 1e-16 relative); the closed form would divide
            // 0 by 0 when p underflows.
            return n * s * (1 - 0.5 * (n + 1) * ps)
        }
        return -expm1(-n * log1p(ps)) / p
    }
}
