import Testing
@testable import KehuPredict

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct GammaGammaTests {
    /// p = 1, q = 2, v = 3.
    /// x = 1, m = 2: one purchase z ~ Exponential(ν), ν ~ Gamma(2, rate 3), so
    ///   f(z) = ∫ ν e^(-νz) · 9ν e^(-3ν) dν = 9 · 2/(z+3)³ = 18/125 at z = 2.
    /// x = 2, m = 1.5: the mean of two is Gamma(2, rate 2ν): 4ν²m e^(-2νm), times the prior:
    ///   ∫ 36 m ν³ e^(-ν(2m+3)) dν = 216 m/(2m+3)⁴ = 324/1296 = 1/4.
    @Test func logLikelihoodByHand() {
        let parameters = GammaGammaParameters(p: 1, q: 2, v: 3)
        #expect(abs(parameters.logLikelihood(frequency: 1, monetaryValue: 2) - log(18.0 / 125)) < 1e-14)
        #expect(abs(parameters.logLikelihood(frequency: 2, monetaryValue: 1.5) - log(0.25)) < 1e-14)
    }

    /// p = 6, q = 4, v = 15: population mean p·v/(q-1) = 30.
    /// x = 3, m = 50: weight w = 18/(18 + 3) = 6/7, so (1/7)·30 + (6/7)·50 = 330/7.
    /// x = 0: the population mean.
    @Test func conditionalExpectedAverageProfitByHand() {
        let parameters = GammaGammaParameters(p: 6, q: 4, v: 15)
        #expect(parameters.meanSpend == 30)
        #expect(abs(parameters.conditionalExpectedAverageProfit(frequency: 3, monetaryValue: 50) - 330.0 / 7) < 1e-12)
        #expect(parameters.conditionalExpectedAverageProfit(frequency: 0, monetaryValue: 0) == 30)
    }

    @Test func gradientMatchesFiniteDifferences() throws {
        let customers = [
            CustomerSummary(frequency: 1, recency: 1, age: 2, monetaryValue: 12.5),
            CustomerSummary(frequency: 2, recency: 1, age: 2, monetaryValue: 40),
            CustomerSummary(frequency: 7, recency: 1, age: 2, monetaryValue: 22),
            CustomerSummary(frequency: 500, recency: 1, age: 2, monetaryValue: 31),
        ]
        let rows = try GammaGammaLikelihoodRows(customers)
        let at = GammaGammaParameters(p: 3, q: 2.5, v: 20)
        var gradient = GammaGammaLikelihoodRows.Gradient()
        let total = rows.evaluate(at, gradient: &gradient, parallel: false)
        // Terms of about 1e4 (ln Γ(1502.5) alone is 9 500) cancel to -15.85: the two orders of
        // summation agree to the rounding of those terms, about 1e-12.
        #expect(abs(total - customers.reduce(0) { $0 + at.logLikelihood(frequency: $1.frequency, monetaryValue: $1.monetaryValue) }) < 1e-11)

        func value(_ p: GammaGammaParameters) -> Double {
            var ignored = GammaGammaLikelihoodRows.Gradient()
            return rows.evaluate(p, gradient: &ignored, parallel: false)
        }
        // The total is about -1e4 (ln Γ(1502.5) alone is 9 500), so the step must be large enough
        // that rounding (~1e-12) stays below the tolerance; the O(h²) error is ~1e-8 relative.
        let h = 1e-4
        #expect(close(gradient.p, (value(.init(p: 3 + 3 * h, q: 2.5, v: 20)) - value(.init(p: 3 - 3 * h, q: 2.5, v: 20))) / (6 * h), relative: 1e-6))
        #expect(close(gradient.q, (value(.init(p: 3, q: 2.5 + 2.5 * h, v: 20)) - value(.init(p: 3, q: 2.5 - 2.5 * h, v: 20))) / (5 * h), relative: 1e-6))
        #expect(close(gradient.v, (value(.init(p: 3, q: 2.5, v: 20 + 20 * h)) - value(.init(p: 3, q: 2.5, v: 20 - 20 * h))) / (40 * h), relative: 1e-6))
    }

    /// As q → ∞ with ν0 = q/v fixed, the prior on the spend rate collapses to ν0 and the average
    /// of x spends is Gamma(px, rate xν0): ln f = px ln(xν0) - ln Γ(px) + (px - 1) ln m - xν0 m.
    /// The likelihood, its row-wise total and its gradient stay accurate out there (the textbook
    /// form subtracted terms of size q ln v ≈ 3e30 and returned noise of order 1e14).
    @Test func likelihoodIsAccurateAtHugeQ() throws {
        let p = 4.0, nu0 = 0.01  // mean spend per purchase p/ν0 = 400
        let customers = [
            CustomerSummary(frequency: 1, recency: 1, age: 2, monetaryValue: 350),
            CustomerSummary(frequency: 3, recency: 1, age: 2, monetaryValue: 420.5),
            CustomerSummary(frequency: 8, recency: 1, age: 2, monetaryValue: 398),
        ]
        func limit(_ x: Int, _ m: Double) -> Double {
            let px = p * Double(x), rate = Double(x) * nu0
            return px * log(rate) - lgamma(px) + (px - 1) * log(m) - rate * m
        }
        var scaled: [Double] = []
        for q in [1e12, 1e20, 6.25e28] {
            let at = GammaGammaParameters(p: p, q: q, v: q / nu0)
            for c in customers {
                let got = at.logLikelihood(frequency: c.frequency, monetaryValue: c.monetaryValue)
                // The finite-q correction is O(px·xm·ν0/q): below 1e-9 here.
                #expect(abs(got - limit(c.frequency, c.monetaryValue)) < 1e-6, "q \(q), x \(c.frequency): \(got)")
            }
            let rows = try GammaGammaLikelihoodRows(customers)
            var gradient = GammaGammaLikelihoodRows.Gradient()
            let total = rows.evaluate(at, gradient: &gradient, parallel: false)
            #expect(abs(total - customers.reduce(0) { $0 + limit($1.frequency, $1.monetaryValue) }) < 1e-5)
            // Along the ridge (ln q and ln v up together, ν0 fixed) nothing changes:
            // q·∂ℓ/∂q + v·∂ℓ/∂v = O(1/q). And q·∂ℓ/∂q itself is the same finite number at every q
            // (it was rounding noise of order 1e14 before).
            #expect(abs(q * gradient.q + at.v * gradient.v) < 1e-6, "q \(q): along the ridge \(q * gradient.q + at.v * gradient.v)")
            scaled.append(q * gradient.q)
        }
        #expect(scaled.allSatisfy { abs($0 - scaled[0]) < 1e-6 && $0.isFinite }, "q·∂ℓ/∂q at q = 1e12, 1e20, 6.25e28: \(scaled)")
    }

    /// Spends that hardly vary between customers: the maximum is at q → ∞ (lifetimes stops with a
    /// ConvergenceError on such data), and wherever the fit stops, its implied mean spend per
    /// purchase must be the data's (the textbook likelihood's noise once led the fit to 0.00016).
    @Test func fitOnHomogeneousSpendKeepsTheMean() throws {
        var customers: [CustomerSummary] = []
        var state: UInt64 = 7
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        // Every customer's purchases are exponential with the same mean 450: no heterogeneity.
        for _ in 0..<400 {
            let x = 1 + Int(uniform() * 6)
            let m = (0..<x).map { _ in -450 * log(1 - uniform()) }.reduce(0, +) / Double(x)
            customers.append(CustomerSummary(frequency: x, recency: 1, age: 2, monetaryValue: m))
        }
        let dataMean = customers.reduce(0.0) { $0 + $1.monetaryValue * Double($1.frequency) } / Double(customers.reduce(0) { $0 + $1.frequency })
        let fit = try GammaGammaParameters.fit(customers)
        let implied = fit.parameters.meanSpend
        #expect(abs(implied / dataMean - 1) < 0.1, "implied \(implied) against the data's \(dataMean); \(fit.parameters)")
        #expect(fit.logLikelihood.isFinite && fit.logLikelihood < 0)
    }

    /// Scaling every spend by 100 (yuan to fen) scales v by 100 and leaves p and q alone, and
    /// shifts the log-likelihood by -n ln 100 (a density in the new unit).
    @Test func fitIsEquivariantToCurrencyUnit() throws {
        let customers = try CDNOWFixture.summaries().map(\.calibration)
        let inFen = customers.map { CustomerSummary(frequency: $0.frequency, recency: $0.recency, age: $0.age, monetaryValue: $0.monetaryValue * 100) }
        let yuan = try GammaGammaParameters.fit(customers)
        let fen = try GammaGammaParameters.fit(inFen)
        #expect(close(fen.parameters.p, yuan.parameters.p, relative: 1e-6))
        #expect(close(fen.parameters.q, yuan.parameters.q, relative: 1e-6))
        #expect(close(fen.parameters.v, 100 * yuan.parameters.v, relative: 1e-6))
        #expect(abs(fen.logLikelihood - (yuan.logLikelihood - 946 * log(100.0))) < 1e-6)
    }
}
