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
///
/// **Shapes near the boundary (a → 0 or β → 0).** As a → 0, log p becomes roughly exponential
/// with mean -1/a and the width w ≈ 1/√a explodes: at a = 1e-7 (fits of brands with almost no
/// dropout go there) the plain rule took about 12 000 nodes per evaluation and, with its walk
/// capped at |u| ≤ 12 and 9 halvings, was still off by 1.4e-8. There the Beta mass sits at p ≈ 0, where the integrand is smooth and equal to g(0) = n·s
/// (g(p) = (1 - (1 + p·s)^-n) / p). So we take g(0) out exactly: g(p) = g(0) + p·k(p) with
/// k(p) = (g(p) - g(0)) / p = s²·φ(p·s) bounded, and p·Beta(a, β) is Beta(a + 1, β) up to its
/// normaliser, B(a + 1, β) / B(a, β) = a / (a + β):
///
///     S(s) = n·s + a/(a + β) · E_{Beta(a+1, β)}[k(p)]
///
/// an identity, not an approximation; the new shape a + 1 ≥ 1 has an ordinary width. For β → 0
/// the mass sits at p ≈ 1 and the mirror image holds with g(1) = 1 - (1 + s)^-n and the weight
/// (1 - p): S = g(1) + β/(a + β) · E_{Beta(a, β+1)}[(g(p) - g(1)) / (1 - p)]. With both small,
/// g(p) = g(0) + p·k(1) + p(1 - p)·r(p), r = (k(p) - k(1)) / (1 - p), gives
///
///     S(s) = n·s + a/(a + β)·k(1) + aβ/((a + β)(a + β + 1)) · E_{Beta(a+1, β+1)}[r(p)].
///
/// (g(p) - g(1)) / (1 - p) = p·r(p) - k(1), so one integrand r serves both mirrored cases. The
/// split is used only below ``boundaryShape`` (0.1), where the plain rule is slow, so every other
/// shape keeps exactly the plain rule's results. The quadrature part's share of S is about
/// a·ln(1 + n·s) (the Beta mass beyond p ≈ 1/(n·s)), so below a = 0.1 the cancellation between
/// n·s and it stays mild for any realistic s; the step is halved until S (not the quadrature part)
/// is stable to 1e-13.
struct PurchaseIntegral: Sendable {
    /// Beta posterior of the dropout probability: a and β = b + x.
    let a: Double
    let beta: Double
    /// Gamma posterior shape of the purchase rate: n = r + x.
    let n: Double

    /// Below this a (or β) the integral is split at p = 0 (or p = 1); see the type notes.
    static let boundaryShape = 0.1

    /// Whether g(0) (g(1)) is taken out and the quadrature runs over Beta(a + 1, ·) (Beta(·, β + 1)).
    let splitsAtZero: Bool
    let splitsAtOne: Bool

    /// The Beta density the quadrature integrates against: (a, β) shifted by the splits.
    private let logBeta: Double
    private let center: Double
    private let width: Double
    private let shapeA: Double
    private let shapeB: Double

    /// - Parameter splitNearBoundary: false forces the plain rule (for tests comparing the two).
    init(a: Double, beta: Double, n: Double, splitNearBoundary: Bool = true) {
        self.a = a
        self.beta = beta
        self.n = n
        splitsAtZero = splitNearBoundary && a < Self.boundaryShape
        splitsAtOne = splitNearBoundary && beta < Self.boundaryShape
        shapeA = splitsAtZero ? a + 1 : a
        shapeB = splitsAtOne ? beta + 1 : beta
        logBeta = SpecialFunctions.logBeta(shapeA, shapeB)
        center = log(shapeA) - log(shapeB)
        width = (1 / shapeA + 1 / shapeB).squareRoot()
    }

    /// S(s) for one window.
    func value(at s: Double) -> Double {
        valueAndNodes(at: s).value
    }

    /// S(s) and the number of integrand nodes it took.
    func valueAndNodes(at s: Double) -> (value: Double, nodes: Int) {
        var out = 0.0
        let nodes = withUnsafePointer(to: s) { horizon in
            withUnsafeMutablePointer(to: &out) { result in
                evaluate(UnsafeBufferPointer(start: horizon, count: 1), into: UnsafeMutableBufferPointer(start: result, count: 1))
            }
        }
        return (out, nodes)
    }

    /// S(s) for several windows at once, sharing the quadrature nodes.
    /// - Returns: The number of integrand nodes used (for tests of the cost).
    /// - Complexity: O(nodes × horizons); typically 100–250 nodes, up to about 1 100 for a or β
    ///   below 0.1 (the split; the plain rule would need 1/√a: 12 000 at a = 1e-7).
    @discardableResult
    func evaluate(_ horizons: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) -> Int {
        precondition(horizons.count == out.count)
        let count = horizons.count
        guard count > 0 else { return 0 }
        // The integrand grows with s, so the largest window decides where the tails are negligible.
        var largest = 0
        for k in 1..<count where horizons[k] > horizons[largest] { largest = k }
        for k in 0..<count { out[k] = 0 }
        guard horizons[largest] > 0 else { return 0 }

        var nodes = 0
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 4 * count) { scratch in
            let previous = UnsafeMutableBufferPointer(rebasing: scratch[0..<count])
            let fresh = UnsafeMutableBufferPointer(rebasing: scratch[count..<(2 * count)])
            // S = base + scale · (quadrature); k(1) per window for the split integrands.
            let base = UnsafeMutableBufferPointer(rebasing: scratch[(2 * count)..<(3 * count)])
            let atOne = UnsafeMutableBufferPointer(rebasing: scratch[(3 * count)..<(4 * count)])
            let scale = prepareSplit(horizons, base: base, atOne: atOne)
            let parts = Integrand(horizons: horizons, atOne: UnsafeBufferPointer(atOne), largest: largest)

            var step = 0.5
            // Level 0: all nodes k·h, walking out from the centre in both directions.
            for k in 0..<count { fresh[k] = 0 }
            nodes += addNodes(first: 0, stride: step, parts, into: fresh, estimate: 0)
            nodes += addNodes(first: -step, stride: -step, parts, into: fresh, estimate: 0)
            for k in 0..<count { out[k] = fresh[k] * step }

            for _ in 0..<9 {
                for k in 0..<count { previous[k] = out[k] }
                step /= 2
                // Halving the step adds the odd multiples of the new step.
                for k in 0..<count { fresh[k] = 0 }
                let estimate = abs(previous[largest]) / (2 * step)
                nodes += addNodes(first: step, stride: 2 * step, parts, into: fresh, estimate: estimate)
                nodes += addNodes(first: -step, stride: -2 * step, parts, into: fresh, estimate: estimate)
                var converged = true
                for k in 0..<count {
                    out[k] = previous[k] / 2 + fresh[k] * step
                    // Without a split, scale = 1 and base = 0: the plain rule's test exactly.
                    let total = abs(base[k] + scale * out[k])
                    if abs(out[k] - previous[k]) * scale > 1e-13 * total { converged = false }
                }
                if converged { break }
            }
            if splitsAtZero || splitsAtOne {
                for k in 0..<count { out[k] = base[k] + scale * out[k] }
            }
        }
        return nodes
    }

    /// The windows and what the integrand needs besides p: k(1) per window, and which window
    /// decides the tails.
    private struct Integrand {
        let horizons: UnsafeBufferPointer<Double>
        let atOne: UnsafeBufferPointer<Double>
        let largest: Int
    }

    /// Fills the exact part of S for each window and k(1) = g(1) - g(0); returns the factor of
    /// the quadrature (1 without a split).
    private func prepareSplit(
        _ horizons: UnsafeBufferPointer<Double>, base: UnsafeMutableBufferPointer<Double>,
        atOne: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        for k in 0..<horizons.count {
            let s = horizons[k]
            let gOne = s > 0 ? -expm1(-n * log1p(s)) : 0
            let kOne = slope(p: 1, s: s)
            atOne[k] = kOne
            switch (splitsAtZero, splitsAtOne) {
            case (false, false): base[k] = 0
            case (true, false): base[k] = n * s
            case (false, true): base[k] = gOne
            case (true, true): base[k] = n * s + a / (a + beta) * kOne
            }
        }
        switch (splitsAtZero, splitsAtOne) {
        case (false, false): return 1
        case (true, false): return a / (a + beta)
        case (false, true): return beta / (a + beta)
        case (true, true): return a / (a + beta) * (beta / (a + beta + 1))
        }
    }

    /// Adds integrand values at u = first, first + stride, ... into `sums` until the terms are
    /// negligible against the running total (or `estimate`, the total known from coarser levels)
    /// and still falling, or u leaves ±12 (where sinh(u)·w covers any tail that matters).
    /// - Returns: The number of nodes evaluated.
    private func addNodes(
        first: Double, stride: Double, _ parts: Integrand,
        into sums: UnsafeMutableBufferPointer<Double>, estimate: Double
    ) -> Int {
        let horizons = parts.horizons
        var u = first
        var previousTerm = Double.infinity
        var nodes = 0
        while abs(u) <= 12 {
            let y = center + width * sinh(u)
            let logP = -SpecialFunctions.softplus(-y)
            let logQ = -SpecialFunctions.softplus(y)
            let logWeight = shapeA * logP + shapeB * logQ - logBeta + log(width * cosh(u))
            let weight = exp(logWeight)
            let p = exp(logP)
            var term = 0.0
            if weight > 0 {
                for k in 0..<horizons.count {
                    let s = horizons[k]
                    let f: Double
                    switch (splitsAtZero, splitsAtOne) {
                    case (false, false): f = windowPurchases(p: p, s: s)
                    case (true, false): f = slope(p: p, s: s)
                    case (false, true): f = p * curvature(p: p, q: exp(logQ), s: s, atOne: parts.atOne[k]) - parts.atOne[k]
                    case (true, true): f = curvature(p: p, q: exp(logQ), s: s, atOne: parts.atOne[k])
                    }
                    let value = weight * f
                    sums[k] += value
                    if k == parts.largest { term = abs(value) }
                }
            }
            nodes += 1
            let total = max(abs(sums[parts.largest]), estimate)
            if nodes >= 2 && term <= previousTerm && term <= 1e-17 * total { break }
            previousTerm = term
            u += stride
        }
        return nodes
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

    /// k(p) = (g(p) - g(0)) / p = s²·φ(p·s), φ(t) = (1 - (1 + t)^-n - n·t) / t², g(p) the
    /// expected purchases above. φ(0) = -n(n + 1)/2 and φ(t) → -n/t for large t, so k is bounded
    /// by n(n + 1)s²/2 and never divides by an underflowed p.
    @inline(__always)
    func slope(p: Double, s: Double) -> Double {
        let t = p * s
        if (n + 2) * t < 1e-2 {
            // φ(t) = -Σ_{j≥2} (-t)^(j-2) · n(n+1)…(n+j-1)/j!; each term is below 1/100 of the
            // last, so the direct form's cancellation (relative 2ε/((n + 1)t)) is avoided.
            var term = -n * (n + 1) / 2
            var sum = term
            var j = 2.0
            while abs(term) > 1e-17 * abs(sum) {
                term *= -(n + j) / (j + 1) * t
                sum += term
                j += 1
            }
            return s * s * sum
        }
        return (-expm1(-n * log1p(t)) - n * t) / (t * t) * (s * s)
    }

    /// r(p) = (k(p) - k(1)) / (1 - p), q = 1 - p computed from log q (accurate near p = 1).
    /// Near p = 1 the difference cancels, but its absolute error (ε·k) is weighted by (1 - p)^β,
    /// so the integral of the error stays of order ε·k / β, and it is multiplied by β.
    @inline(__always)
    private func curvature(p: Double, q: Double, s: Double, atOne: Double) -> Double {
        guard q > 0 else { return 0 }
        return (slope(p: p, s: s) - atOne) / q
    }
}
