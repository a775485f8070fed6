import Testing
import KehuPredict

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// From 80 000 customers on, a default fit starts from a fit on a 20 000-customer subsample. That
/// must change the path, not the answer.
@Suite struct WarmStartTests {
    /// 40 copies of CDNOW (94 280 customers), each copy's recencies and spends shrunk by its own
    /// factor 1 - c·10⁻⁷ so the rows stay distinct.
    static let customers: [CustomerSummary] = {
        let weekly = try! CDNOWFixture.summaries(.weeks).map(\.calibration)
        return (0..<40).flatMap { c in
            weekly.map {
                let shrink = 1 - Double(c) * 1e-7
                return CustomerSummary(frequency: $0.frequency, recency: $0.recency * shrink, age: $0.age, monetaryValue: $0.monetaryValue * shrink)
            }
        }
    }()

    @Test func bgnbdWarmStartReachesTheSameMaximum() throws {
        let warm = try BGNBDParameters.fit(Self.customers)
        // An explicit start turns the warm start off; this one is the default start itself.
        let cold = try BGNBDParameters.fit(Self.customers, startingAt: BGNBDParameters(r: exp(0.1), alpha: exp(0.1) * 39, a: exp(0.1), b: exp(0.1)))
        #expect(warm.isConverged && cold.isConverged)
        #expect(close(warm.logLikelihood, cold.logLikelihood, relative: 1e-12))
        #expect(close(warm.parameters.r, cold.parameters.r, relative: 1e-6))
        #expect(close(warm.parameters.alpha, cold.parameters.alpha, relative: 1e-6))
        #expect(close(warm.parameters.a, cold.parameters.a, relative: 1e-6))
        #expect(close(warm.parameters.b, cold.parameters.b, relative: 1e-6))
        #expect(warm.evaluations < cold.evaluations)
    }

    @Test func gammaGammaWarmStartReachesTheSameMaximum() throws {
        let warm = try GammaGammaParameters.fit(Self.customers)
        let cold = try GammaGammaParameters.fit(Self.customers, startingAt: GammaGammaParameters(p: 1, q: 2, v: 35))
        #expect(warm.isConverged && cold.isConverged)
        #expect(warm.customerCount == 40 * 946)
        #expect(close(warm.logLikelihood, cold.logLikelihood, relative: 1e-12))
        #expect(close(warm.parameters.p, cold.parameters.p, relative: 1e-6))
        #expect(close(warm.parameters.q, cold.parameters.q, relative: 1e-6))
        #expect(close(warm.parameters.v, cold.parameters.v, relative: 1e-6))
        #expect(warm.evaluations < cold.evaluations)
        // And both are CDNOW's estimates, the copies being nearly identical.
        #expect(close(warm.parameters.p, 6.2495722776354246, relative: 1e-4))
    }
}
