import Testing
import KehuPredict

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct BGNBDFitTests {
    static let weekly = try! CDNOWFixture.summaries(.weeks).map(\.calibration)

    /// The same CDNOW customers in days instead of weeks: r, a, b unchanged, α seven times larger,
    /// and the log-likelihood lower by Σx · ln 7 = 2457 ln 7 (the density of each repeat purchase
    /// time is per day instead of per week).
    @Test func fitIsEquivariantToTimeUnit() throws {
        let daily = try CDNOWFixture.summaries(.days).map(\.calibration)
        let inWeeks = try BGNBDParameters.fit(Self.weekly)
        let inDays = try BGNBDParameters.fit(daily)
        #expect(inDays.isConverged)
        #expect(close(inDays.parameters.r, inWeeks.parameters.r, relative: 1e-6))
        #expect(close(inDays.parameters.alpha, 7 * inWeeks.parameters.alpha, relative: 1e-6))
        #expect(close(inDays.parameters.a, inWeeks.parameters.a, relative: 1e-6))
        #expect(close(inDays.parameters.b, inWeeks.parameters.b, relative: 1e-6))
        #expect(abs(inDays.logLikelihood - (inWeeks.logLikelihood - 2457 * log(7.0))) < 1e-6)
    }

    /// Far-off starting points reach the same maximum.
    @Test(arguments: [
        BGNBDParameters(r: 50, alpha: 0.01, a: 20, b: 0.05),
        BGNBDParameters(r: 0.001, alpha: 5_000, a: 0.01, b: 300),
        BGNBDParameters(r: 1, alpha: 1, a: 1, b: 1),
    ])
    func distantStartsConverge(_ start: BGNBDParameters) throws {
        let fit = try BGNBDParameters.fit(Self.weekly, startingAt: start)
        #expect(fit.isConverged)
        #expect(abs(fit.logLikelihood - -9582.429206673936) < 1e-6)
        #expect(close(fit.parameters.alpha, 4.413602716077373, relative: 1e-4))
    }

    /// A customer with 10 000 repeat purchases over 100 000 days among ordinary ones: the fit stays
    /// finite and converges (the gamma-function ratios and the log-sum never overflow).
    @Test func extremeCustomerDoesNotBreakTheFit() throws {
        var customers = try CDNOWFixture.summaries(.days).map(\.calibration)
        customers.append(CustomerSummary(frequency: 10_000, recency: 99_990, age: 100_000))
        customers.append(CustomerSummary(frequency: 0, recency: 0, age: 100_000))
        let fit = try BGNBDParameters.fit(customers)
        #expect(fit.isConverged)
        #expect(fit.logLikelihood.isFinite)
        #expect(fit.parameters.isValid)
        // The heavy buyer pulls r/α (the mean purchase rate per day) up from CDNOW's 0.0079.
        #expect(fit.parameters.r / fit.parameters.alpha > 0.243 / (4.414 * 7))
    }

    /// Single-threaded and parallel evaluation give the same fit. Forty copies of CDNOW, each
    /// with recencies shrunk by a different factor 1 - c·10⁻⁷ so that rows stay distinct (enough
    /// of them to be split across threads); the likelihood barely moves from 40 × CDNOW's.
    @Test func parallelAndSerialAgree() throws {
        let many = (0..<40).flatMap { c in
            Self.weekly.map { CustomerSummary(frequency: $0.frequency, recency: $0.recency * (1 - Double(c) * 1e-7), age: $0.age) }
        }
        let serial = try BGNBDParameters.fit(many, options: FitOptions(allowsParallelEvaluation: false))
        let parallel = try BGNBDParameters.fit(many)
        #expect(serial.customerCount == 94_280)
        #expect(serial.distinctRowCount > 32_768)
        #expect(close(serial.logLikelihood, 40 * -9582.429206673936, relative: 1e-6))
        #expect(close(parallel.parameters.r, serial.parameters.r, relative: 1e-8))
        #expect(close(parallel.logLikelihood, serial.logLikelihood, relative: 1e-12))
    }
}
