import Testing
@testable import KehuPredict

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct PredictionTests {
    /// r = α = a = b = 1, x = 2, t_x = 1, T = 3:
    ///   P(alive) = 1 / (1 + a/(b+x-1) · ((α+T)/(α+t_x))^(r+x)) = 1 / (1 + 1/2 · 2³) = 1/5.
    /// No repeat purchase: always alive.
    @Test func probabilityAliveByHand() {
        let ones = BGNBDParameters(r: 1, alpha: 1, a: 1, b: 1)
        #expect(abs(ones.probabilityAlive(frequency: 2, recency: 1, age: 3) - 0.2) < 1e-15)
        #expect(ones.probabilityAlive(frequency: 0, recency: 0, age: 1_000) == 1)
    }

    /// E[X(t)] = E_p[(1 - (1 + p t/α)^-r) / p], p ~ Beta(a, b).
    /// r = 1, α = 1, a = 2, b = 1 (density 2p): ∫ 2p · t/(1+pt) dp = 2(1 - ln(1+t)/t).
    ///   t = 1: 2(1 - ln 2) = 0.6137056...;  t = 100: 2(1 - ln(101)/100).
    /// a = b = 1 (uniform p, where the closed form's (a+b-1)/(a-1) is 1/0): ∫ t/(1+pt) dp = ln(1+t).
    @Test func expectedPurchasesOfNewCustomerByHand() {
        let beta21 = BGNBDParameters(r: 1, alpha: 1, a: 2, b: 1)
        #expect(close(beta21.expectedPurchases(within: 1), 2 * (1 - log(2.0)), relative: 1e-13))
        #expect(close(beta21.expectedPurchases(within: 100), 2 * (1 - log(101.0) / 100), relative: 1e-13))
        let uniform = BGNBDParameters(r: 1, alpha: 1, a: 1, b: 1)
        #expect(close(uniform.expectedPurchases(within: 1), log(2.0), relative: 1e-13))
        #expect(close(uniform.expectedPurchases(within: 1e6), log(1e6 + 1), relative: 1e-12))
        #expect(beta21.expectedPurchases(within: 0) == 0)
    }

    /// Conditional: λ | x, T ~ Gamma(r+x, α+T), p | alive ~ Beta(a, b+x).
    /// r = 1, α = 1, a = 2, b = 1, x = 0, T = 1, t = 1: s = t/(α+T) = 1/2, same integral with b + x = 1:
    ///   2(1 - ln(1.5)/0.5) = 2 - 4 ln 1.5 = 0.378139...
    /// x = 1, t_x = 1, T = 1: P(alive) = 1/(1 + 2/1 · 1²) = 1/3; p ~ Beta(2, 2) (density 6p(1-p)),
    ///   n = 2, s = 1/2: ∫ 6(1-p)(1 - (1+p/2)^-2) dp; with u = 1 + p/2 the integrand is
    ///   6(3 - 2u)(1 - u⁻²)·2 du over [1, 1.5] = 12[3u - u² + 3/u + 2 ln u] from 1 to 1.5
    ///   = 12(4.5 - 2.25 + 2 + 2 ln 1.5 - 3 + 1 - 3) = 12(2 ln 1.5 - 0.75) = 24 ln 1.5 - 9,
    ///   so E = (24 ln 1.5 - 9)/3 = 8 ln 1.5 - 3 = 0.243720...
    @Test func conditionalExpectedPurchasesByHand() {
        let parameters = BGNBDParameters(r: 1, alpha: 1, a: 2, b: 1)
        #expect(close(parameters.conditionalExpectedPurchases(within: 1, frequency: 0, recency: 0, age: 1), 2 - 4 * log(1.5), relative: 1e-13))
        #expect(close(parameters.conditionalExpectedPurchases(within: 1, frequency: 1, recency: 1, age: 1), 8 * log(1.5) - 3, relative: 1e-12))
    }

    /// The quadrature against the closed form's own ₂F₁ series where that series converges well
    /// (a > 1 and z ≤ 0.9), computed independently in `HypergeometricSeries`.
    @Test(arguments: [
        (r: 0.243, alpha: 4.414, a: 1.793, b: 2.426, x: 0, tx: 0.0, T: 39.0, t: 39.0),
        (r: 2.5, alpha: 10, a: 3.2, b: 0.4, x: 5, tx: 20, T: 30, t: 52),
        (r: 0.05, alpha: 0.5, a: 1.05, b: 20, x: 40, tx: 35, T: 36, t: 100),
        (r: 7, alpha: 100, a: 12, b: 1.5, x: 1, tx: 3, T: 300, t: 1_000),
    ])
    func quadratureMatchesHypergeometricSeries(_ c: (r: Double, alpha: Double, a: Double, b: Double, x: Int, tx: Double, T: Double, t: Double)) {
        let parameters = BGNBDParameters(r: c.r, alpha: c.alpha, a: c.a, b: c.b)
        let x = Double(c.x)
        let z = c.t / (c.alpha + c.T + c.t)
        let series = HypergeometricSeries.value(c.r + x, c.b + x, c.a + c.b + x - 1, z)
        // FHL 2005 eq. 10, as lifetimes writes it.
        let closedForm = (c.a + c.b + x - 1) / (c.a - 1)
            * (1 - pow((c.alpha + c.T) / (c.alpha + c.T + c.t), c.r + x) * series)
            * parameters.probabilityAlive(frequency: c.x, recency: c.tx, age: c.T)
        let value = parameters.conditionalExpectedPurchases(within: c.t, frequency: c.x, recency: c.tx, age: c.T)
        #expect(close(value, closedForm, relative: 1e-10))
    }

    /// Extreme inputs: finite, in range, and monotone where the model says so.
    @Test func extremeInputsAreFiniteAndMonotone() {
        let cdnow = BGNBDParameters(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)
        // x = 10 000 purchases over 100 000 days, last one recent: alive, and buys about x/T per day.
        let heavy = cdnow.conditionalExpectedPurchases(within: 1_000, frequency: 10_000, recency: 99_990, age: 100_000)
        #expect(heavy.isFinite)
        // λ | data ≈ 10 000/100 004 per day, so ≈ 100 purchases in 1 000 days, less ≈ 0.4 for dropout (p ≈ 0.8/10 000).
        #expect(heavy > 99 && heavy < 100)
        #expect(cdnow.probabilityAlive(frequency: 10_000, recency: 99_990, age: 100_000) > 0.5)
        // Same customer, silent for 90 000 days: certainly gone, and the odds overflow to exactly 0.
        #expect(cdnow.probabilityAlive(frequency: 10_000, recency: 10_000, age: 100_000) == 0)
        #expect(cdnow.conditionalExpectedPurchases(within: 1_000, frequency: 10_000, recency: 10_000, age: 100_000) == 0)
        // x = 0 with a huge T: fewer expected purchases the older the silent customer.
        let old = cdnow.conditionalExpectedPurchases(within: 52, frequency: 0, recency: 0, age: 100_000)
        let older = cdnow.conditionalExpectedPurchases(within: 52, frequency: 0, recency: 0, age: 1_000_000)
        #expect(old > 0 && old.isFinite)
        #expect(older < old)

        // E[X(t)] increases with t, including windows 10⁸ times α, and is bounded by E[1/p] when a > 1.
        var previous = 0.0
        for t in [1e-6, 1.0, 10, 1e3, 1e5, 1e8] {
            let value = cdnow.expectedPurchases(within: t)
            #expect(value.isFinite && value > previous)
            previous = value
        }
        let bounded = BGNBDParameters(r: 0.5, alpha: 2, a: 3, b: 4)
        #expect(bounded.expectedPurchases(within: 1e12) < (3 + 4 - 1) / (3 - 1.0))
        #expect(close(bounded.expectedPurchases(within: 1e12), 3, relative: 1e-3))

        // P(alive) falls as the customer stays silent.
        var alive = 1.0
        for age in stride(from: 40.0, through: 4_000, by: 400) {
            let p = cdnow.probabilityAlive(frequency: 3, recency: 40, age: age)
            #expect(p < alive && p >= 0)
            alive = p
        }

        // Tiny parameters.
        let tiny = BGNBDParameters(r: 1e-4, alpha: 1e-4, a: 1e-3, b: 1e-3)
        let tinyValues = [
            tiny.expectedPurchases(within: 10),
            tiny.conditionalExpectedPurchases(within: 10, frequency: 3, recency: 5, age: 10),
            tiny.conditionalExpectedPurchases(within: 10, frequency: 0, recency: 0, age: 10),
            tiny.probabilityAlive(frequency: 3, recency: 5, age: 10),
            tiny.logLikelihood(frequency: 3, recency: 5, age: 10),
        ]
        #expect(tinyValues.allSatisfy { $0.isFinite })
        #expect(tiny.expectedPurchases(within: 20) > tiny.expectedPurchases(within: 10))
    }
}

/// Gauss's series ₂F₁(a, b; c; z) = Σ (a)ₖ(b)ₖ/((c)ₖ k!) zᵏ for 0 ≤ z < 1, summed until the terms
/// stop mattering: an independent reference for the quadrature where it converges.
enum HypergeometricSeries {
    static func value(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> Double {
        var term = 1.0
        var sum = 1.0
        var k = 0.0
        while k < 100_000 {
            term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
            sum += term
            k += 1
            if abs(term) < 1e-17 * abs(sum) && k > b + a { break }
        }
        return sum
    }
}
