import Testing
@testable import KehuPredict
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// S(s) = E_p[(1 - (1 + p·s)^-n) / p], p ~ Beta(a, β), for shapes at the boundary (a or β → 0),
/// where ``PurchaseIntegral`` splits the integral at p = 0 (p = 1). The references below share
/// nothing with it: adaptive Simpson in log p (log(1 - p)) over the part of the range where the
/// integrand varies, a two-term expansion integrated in closed form below it, and the Beta
/// function as the same integral of the weight alone (lgamma differences lose 3e-11 at β = 3e4).
struct PurchaseIntegralBoundaryTests {
    /// g(p) = (1 - (1 + p·s)^-n) / p, with its limit n·s at p = 0.
    static func purchases(_ p: Double, n: Double, s: Double) -> Double {
        if p * s * n < 1e-12 { return n * s * (1 - 0.5 * (n + 1) * p * s) }
        return -expm1(-n * log1p(p * s)) / p
    }

    /// Adaptive Simpson on [lo, hi], cut first into `panels` so no feature is stepped over.
    static func simpson(_ f: (Double) -> Double, _ lo: Double, _ hi: Double, panels: Int = 64, tolerance: Double) -> Double {
        func refine(_ l: Double, _ r: Double, _ fl: Double, _ fm: Double, _ fr: Double, _ whole: Double, _ tol: Double, _ depth: Int) -> Double {
            let m = (l + r) / 2
            let lm = (l + m) / 2, rm = (m + r) / 2
            let flm = f(lm), frm = f(rm)
            let left = (m - l) / 6 * (fl + 4 * flm + fm)
            let right = (r - m) / 6 * (fm + 4 * frm + fr)
            if depth == 0 || abs(left + right - whole) <= 15 * tol {
                return left + right + (left + right - whole) / 15
            }
            return refine(l, m, fl, flm, fm, left, tol / 2, depth - 1) + refine(m, r, fm, frm, fr, right, tol / 2, depth - 1)
        }
        var total = 0.0
        let h = (hi - lo) / Double(panels)
        for i in 0..<panels {
            let l = lo + Double(i) * h, r = i == panels - 1 ? hi : l + h
            let fl = f(l), fm = f((l + r) / 2), fr = f(r)
            total += refine(l, r, fl, fm, fr, (r - l) / 6 * (fl + 4 * fm + fr), tolerance / Double(panels), 40)
        }
        return total
    }

    /// Reference for small a: with L = ln p, S·B(a, β) = ∫ g(e^L) e^(aL) (1 - e^L)^(β-1) dL over
    /// L < 0. Below L₀ (e^L₀ · max((n+1)s, β) = 6e-6) g·(1-p)^(β-1) = n·s·(1 - c·p) + O(p²) with
    /// c = (n+1)s/2 + β - 1, integrated exactly; the neglected part is below 1e-10 of S. B(a, β)
    /// is the same integral with g = 1.
    static func referenceSmallA(a: Double, beta: Double, n: Double, s: Double) -> Double {
        let scale = max((n + 1) * s, beta, 1)
        let l0 = -log(scale) - 12
        func weight(_ l: Double) -> Double { exp(a * l) * (l == 0 ? 0 : exp((beta - 1) * log1p(-exp(l)))) }
        let c = (n + 1) * s / 2 + beta - 1
        let below = n * s * (exp(a * l0) / a - c * exp((a + 1) * l0) / (a + 1))
        let above = simpson({ l in purchases(exp(l), n: n, s: s) * weight(l) }, l0, 0, tolerance: 1e-14 * n * s)
        let normBelow = exp(a * l0) / a - (beta - 1) * exp((a + 1) * l0) / (a + 1)
        let normAbove = simpson(weight, l0, 0, tolerance: 1e-14)
        return (below + above) / (normBelow + normAbove)
    }

    /// Reference for small β (a ≥ 1): the mirror image in M = ln(1 - p), with
    /// g(p)·p^(a-1) = g(1) - (g'(1) + (a - 1)·g(1))·(1 - p) + O((1 - p)²) near p = 1.
    static func referenceSmallBeta(a: Double, beta: Double, n: Double, s: Double) -> Double {
        let scale = max((n + 1) * s, a, 1)
        let m0 = -log(scale) - 12
        let gOne = -expm1(-n * log1p(s))
        let slopeOne = n * s * exp(-(n + 1) * log1p(s)) - gOne
        let c = slopeOne + (a - 1) * gOne
        func weight(_ m: Double) -> Double {
            let p = -expm1(m)
            return p > 0 ? exp((a - 1) * log(p) + beta * m) : 0
        }
        let below = gOne * exp(beta * m0) / beta - c * exp((beta + 1) * m0) / (beta + 1)
        let above = simpson({ m in purchases(-expm1(m), n: n, s: s) * weight(m) }, m0, 0, tolerance: 1e-14 * gOne)
        let normBelow = exp(beta * m0) / beta - (a - 1) * exp((beta + 1) * m0) / (beta + 1)
        let normAbove = simpson(weight, m0, 0, tolerance: 1e-14)
        return (below + above) / (normBelow + normAbove)
    }

    @Test(arguments: [1e-2, 1e-4, 1e-6, 1e-9])
    func smallAMatchesReference(a: Double) {
        for beta in [2.0, 3e4] {
            for n in [0.5, 2, 50] {
                for s in [0.1, 10, 1000] {
                    let integral = PurchaseIntegral(a: a, beta: beta, n: n)
                    let (value, nodes) = integral.valueAndNodes(at: s)
                    let reference = Self.referenceSmallA(a: a, beta: beta, n: n, s: s)
                    #expect(abs(value - reference) <= 1e-11 * reference, "a \(a) β \(beta) n \(n) s \(s): \(value) vs \(reference)")
                    #expect(nodes < 2_000, "a \(a) β \(beta) n \(n) s \(s): \(nodes) nodes")
                }
            }
        }
    }

    @Test(arguments: [1e-2, 1e-4, 1e-6, 1e-9])
    func smallBetaMatchesReference(beta: Double) {
        for a in [1.5, 3.0] {
            for n in [0.5, 2, 50] {
                for s in [0.1, 10, 1000] {
                    let integral = PurchaseIntegral(a: a, beta: beta, n: n)
                    let (value, nodes) = integral.valueAndNodes(at: s)
                    let reference = Self.referenceSmallBeta(a: a, beta: beta, n: n, s: s)
                    #expect(abs(value - reference) <= 1e-11 * reference, "a \(a) β \(beta) n \(n) s \(s): \(value) vs \(reference)")
                    #expect(nodes < 2_000, "a \(a) β \(beta) n \(n) s \(s): \(nodes) nodes")
                }
            }
        }
    }

    /// The references themselves: where the plain rule is still cheap (a = 0.01 costs it a few
    /// thousand nodes), it agrees with them too, so they are not fitted to the split.
    @Test func referencesAgreeWithPlainRule() {
        for (n, s) in [(0.5, 0.1), (2.0, 10.0), (50.0, 1000.0)] {
            let plainA = PurchaseIntegral(a: 0.01, beta: 2, n: n, splitNearBoundary: false).value(at: s)
            let referenceA = Self.referenceSmallA(a: 0.01, beta: 2, n: n, s: s)
            #expect(abs(plainA - referenceA) <= 1e-10 * referenceA, "n \(n) s \(s): \(plainA) vs \(referenceA)")
            let plainB = PurchaseIntegral(a: 1.5, beta: 0.01, n: n, splitNearBoundary: false).value(at: s)
            let referenceB = Self.referenceSmallBeta(a: 1.5, beta: 0.01, n: n, s: s)
            #expect(abs(plainB - referenceB) <= 1e-10 * referenceB, "n \(n) s \(s): \(plainB) vs \(referenceB)")
        }
    }

    /// Both splits at once (a and β small), and each split on its own just below the threshold,
    /// against the plain rule, which is accurate there.
    @Test func splitsAgreeWithPlainRuleNearThreshold() {
        for (a, beta) in [(0.05, 0.05), (0.09, 0.02), (0.099, 5.0), (3.0, 0.099), (0.02, 1e4)] {
            for n in [0.5, 2, 50] {
                for s in [0.1, 10, 1000] {
                    let split = PurchaseIntegral(a: a, beta: beta, n: n).valueAndNodes(at: s)
                    let plain = PurchaseIntegral(a: a, beta: beta, n: n, splitNearBoundary: false).valueAndNodes(at: s)
                    #expect(abs(split.value - plain.value) <= 1e-11 * plain.value, "a \(a) β \(beta) n \(n) s \(s): \(split.value) vs \(plain.value)")
                    #expect(split.nodes < 2_000)
                }
            }
        }
    }

    /// a → 0 and β → 0 together: S tends to the mixture of its endpoint values,
    /// β/(a+β)·n·s + a/(a+β)·(1 - (1+s)^-n), the mass of Beta(a, β) splitting between p = 0 and 1.
    @Test func bothShapesTinyGiveEndpointMixture() {
        let (a, beta, n, s) = (2e-9, 1e-9, 2.0, 10.0)
        let (value, nodes) = PurchaseIntegral(a: a, beta: beta, n: n).valueAndNodes(at: s)
        let mixture = beta / (a + beta) * n * s + a / (a + beta) * -expm1(-n * log1p(s))
        #expect(abs(value - mixture) <= 1e-7 * mixture)
        #expect(nodes < 2_000)
    }

    /// The measured case: r 2.03, α 82.7, a 1e-7, b 31 305; windows of a year of months.
    @Test func boundaryFitStaysCheapForManyWindows() throws {
        let purchases = BGNBDParameters(r: 2.03, alpha: 82.7, a: 1e-9, b: 31_305)
        let integral = PurchaseIntegral(a: purchases.a, beta: purchases.b + 7, n: purchases.r + 7)
        let horizons = (0...12).map { Double($0) * 4.348 / (purchases.alpha + 60) }
        var out = [Double](repeating: 0, count: horizons.count)
        let nodes = horizons.withUnsafeBufferPointer { h in
            out.withUnsafeMutableBufferPointer { o in integral.evaluate(h, into: o) }
        }
        #expect(nodes < 2_000)
        for k in 1..<horizons.count {
            let reference = Self.referenceSmallA(a: 1e-9, beta: purchases.b + 7, n: purchases.r + 7, s: horizons[k])
            #expect(abs(out[k] - reference) <= 1e-11 * reference)
        }
    }
}
