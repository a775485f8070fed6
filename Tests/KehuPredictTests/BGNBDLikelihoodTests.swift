import Testing
@testable import KehuPredict

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct BGNBDLikelihoodTests {
    /// r = α = a = b = 1, straight from FHL 2005 eq. 3–6:
    ///   L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
    ///     + [x>0] B(a+1, b+x-1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))
    /// x = 0, T = 1:           L = 1 · 1/2                                    = 1/2
    /// x = 2, t_x = 1, T = 3:  L = B(1,3)·Γ(3)/4³ + B(2,2)·Γ(3)/2³
    ///                           = (1/3)(2/64) + (1/6)(2/8) = 1/96 + 4/96     = 5/96
    @Test func unitParametersByHand() {
        let ones = BGNBDParameters(r: 1, alpha: 1, a: 1, b: 1)
        #expect(abs(ones.logLikelihood(frequency: 0, recency: 0, age: 1) - log(0.5)) < 1e-14)
        #expect(abs(ones.logLikelihood(frequency: 2, recency: 1, age: 3) - log(5.0 / 96)) < 1e-14)
    }

    /// r = 2, α = 3, a = 2, b = 4; x = 1, t_x = 2, T = 5:
    ///   Γ(3)/Γ(2) · 3² = 18
    ///   still alive:   B(2,5)/B(2,4) · 18/(3+5)³ = (1/30)/(1/20) · 18/512 = 2/3 · 9/256 = 3/128
    ///   dropped out:   B(3,4)/B(2,4) · 18/(3+2)³ = (1/60)/(1/20) · 18/125 = 1/3 · 18/125 = 6/125
    ///   L = 3/128 + 6/125 = 0.0234375 + 0.048 = 0.0714375
    @Test func generalParametersByHand() {
        let parameters = BGNBDParameters(r: 2, alpha: 3, a: 2, b: 4)
        #expect(abs(parameters.logLikelihood(frequency: 1, recency: 2, age: 5) - log(0.0714375)) < 1e-14)
        // P(alive) is the "still alive" share of L: (3/128) / 0.0714375.
        #expect(abs(parameters.probabilityAlive(frequency: 1, recency: 2, age: 5) - (3.0 / 128) / 0.0714375) < 1e-14)
    }

    /// The grouped, parallel total equals the sum of the per-customer formula, and identical
    /// customers count once per copy.
    @Test func groupedTotalEqualsSumOfCustomers() throws {
        let parameters = BGNBDParameters(r: 0.7, alpha: 6, a: 1.3, b: 3.1)
        var customers: [CustomerSummary] = []
        for i in 0..<50_000 {
            // Whole days over 7, as from a weekly summary; many customers repeat.
            let x = i % 7 == 0 ? 0 : (i * 7919) % 23
            let ageDays = 1 + (i * 31) % 300
            let recencyDays = x == 0 ? 0 : ageDays * ((i * 13) % 97) / 96
            customers.append(CustomerSummary(frequency: x, recency: Double(recencyDays) / 7, age: Double(ageDays) / 7))
        }
        let rows = try BGNBDLikelihoodRows(customers, requireRepeatCustomers: true)
        #expect(rows.rowCount < customers.count)
        var direct = 0.0
        for customer in customers { direct += parameters.logLikelihood(customer) }
        var gradient = BGNBDLikelihoodRows.Gradient()
        let serial = rows.evaluate(parameters, gradient: &gradient, parallel: false)
        let parallel = rows.evaluate(parameters, gradient: &gradient, parallel: true)
        #expect(close(serial, direct, relative: 1e-12))
        #expect(close(parallel, direct, relative: 1e-12))
        #expect(close(try parameters.logLikelihood(of: customers), direct, relative: 1e-12))
    }

    /// The analytic gradient against central differences of the likelihood.
    @Test func gradientMatchesFiniteDifferences() throws {
        let customers = [
            CustomerSummary(frequency: 0, recency: 0, age: 30),
            CustomerSummary(frequency: 1, recency: 3, age: 30),
            CustomerSummary(frequency: 4, recency: 25, age: 38),
            CustomerSummary(frequency: 12, recency: 10, age: 39),
            CustomerSummary(frequency: 300, recency: 380, age: 390),
        ]
        let rows = try BGNBDLikelihoodRows(customers, requireRepeatCustomers: true)
        let at = BGNBDParameters(r: 0.4, alpha: 5, a: 0.9, b: 2.2)
        var gradient = BGNBDLikelihoodRows.Gradient()
        _ = rows.evaluate(at, gradient: &gradient, parallel: false)

        func value(_ p: BGNBDParameters) -> Double {
            var ignored = BGNBDLikelihoodRows.Gradient()
            return rows.evaluate(p, gradient: &ignored, parallel: false)
        }
        let h = 1e-6
        func central(_ change: (inout BGNBDParameters, Double) -> Void, _ base: Double) -> Double {
            var up = at, down = at
            change(&up, base * h)
            change(&down, -base * h)
            return (value(up) - value(down)) / (2 * base * h)
        }
        #expect(close(gradient.r, central({ $0.r += $1 }, at.r), relative: 1e-6))
        #expect(close(gradient.alpha, central({ $0.alpha += $1 }, at.alpha), relative: 1e-6))
        #expect(close(gradient.a, central({ $0.a += $1 }, at.a), relative: 1e-6))
        #expect(close(gradient.b, central({ $0.b += $1 }, at.b), relative: 1e-6))
    }

    /// Huge x and T: finite, and matching the per-customer formula.
    @Test func extremeCustomersStayFinite() throws {
        let parameters = BGNBDParameters(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)
        let customers = [
            CustomerSummary(frequency: 10_000, recency: 99_000, age: 100_000),
            CustomerSummary(frequency: 0, recency: 0, age: 100_000),
            CustomerSummary(frequency: 10_000, recency: 1, age: 100_000),
        ]
        for customer in customers {
            #expect(parameters.logLikelihood(customer).isFinite)
        }
        let total = try parameters.logLikelihood(of: customers)
        #expect(total.isFinite)
        #expect(close(total, customers.reduce(0) { $0 + parameters.logLikelihood($1) }, relative: 1e-12))
    }
}
