import Testing
@testable import KehuPredict

/// The CDNOW sample (2,357 customers, Fader & Hardie's 1/10 sample of the 1997 Q1 cohort), 39-week
/// calibration 1997-01-01 .. 1997-09-30, times in weeks (days / 7), compared with
///  - the published estimates: BG/NBD from Fader, Hardie & Lee (2005), "Counting your customers
///    the easy way", Marketing Science 24(2), section 5 (r = 0.243, α = 4.414, a = 0.793,
///    b = 2.426, LL = -9582.4); Gamma-Gamma from Fader & Hardie, "The Gamma-Gamma model of
///    monetary value" (note 025, 2013) on the same 946 repeat customers (p = 6.25, q = 3.74,
///    γ = 15.44; the R package CLVTools checks its fit against LL = -4055.9177 for that note);
///  - lifetimes 0.11.3 on the same file, from `Benchmarks/peers/lifetimes_peer.py
///    Tests/KehuPredictTests/Fixtures/CDNOW_sample.txt` (numpy 2.4.6, scipy 1.17.1, pandas 3.1.1,
///    Python 3.11.7), run 2026-11-23. lifetimes' log-likelihood is its mean negative
///    log-likelihood on rescaled time; the peer converts it back to weeks.
@Suite struct CDNOWValidationTests {
    @Test func summariesMatchLifetimes() throws {
        // lifetimes calibration_and_holdout_data(freq="D", freq_multiplier=7): sums over customers.
        let rows = try CDNOWFixture.summaries(.weeks)
        #expect(rows.count == 2357)
        #expect(rows.filter { $0.calibration.frequency > 0 }.count == 946)
        #expect(rows.reduce(0) { $0 + $1.calibration.frequency } == 2457)
        #expect(close(rows.reduce(0) { $0 + $1.calibration.recency }, 16135.57142857143, relative: 1e-12))
        #expect(close(rows.reduce(0) { $0 + $1.calibration.age }, 77111.28571428571, relative: 1e-12))
        #expect(close(rows.reduce(0) { $0 + $1.calibration.monetaryValue }, 33183.643766870584, relative: 1e-12))
        #expect(rows.reduce(0) { $0 + $1.holdoutFrequency } == 1882)
        #expect(rows.allSatisfy { $0.holdoutDuration == 39 })

        // Customer 1 (Fader & Hardie's first row: x = 2, t_x = 30.43, T = 38.86, zbar = 22.35):
        // purchases 1997-01-01 $29.33, 01-18 $29.73, 08-02 $14.96 (and 12-12 in the holdout).
        // t_x = 213 days / 7, T = 272 days / 7, m = (2973 + 1496) / 2 cents = $22.345.
        let first = try #require(rows.first { $0.customer == 1 })
        #expect(first.calibration == CustomerSummary(frequency: 2, recency: 213.0 / 7, age: 272.0 / 7, monetaryValue: 22.345))
        #expect(first.calibrationRepeatSpendMinorUnits == 4469)
        #expect(first.holdoutFrequency == 1)
        #expect(first.holdoutSpendMinorUnits == 2648)
    }

    @Test func summariesInDaysAndCalendarWeeksMatchLifetimes() throws {
        // lifetimes freq="D": the same periods, times in days.
        let days = try CDNOWFixture.summaries(.days)
        #expect(days.reduce(0) { $0 + $1.calibration.recency } == 112_949)
        #expect(days.reduce(0) { $0 + $1.calibration.age } == 539_779)
        #expect(days.allSatisfy { $0.holdoutDuration == 273 })

        // lifetimes freq="W": Monday-Sunday weeks, so purchases in one week merge.
        let weeks = try CDNOWFixture.summaries(.calendarWeeks)
        #expect(weeks.filter { $0.calibration.frequency > 0 }.count == 929)
        #expect(weeks.reduce(0) { $0 + $1.calibration.frequency } == 2216)
        #expect(weeks.reduce(0) { $0 + $1.calibration.recency } == 16128)
        #expect(weeks.reduce(0) { $0 + $1.calibration.age } == 77748)
        #expect(close(weeks.reduce(0) { $0 + $1.calibration.monetaryValue }, 35379.69656318742, relative: 1e-12))
        #expect(weeks.reduce(0) { $0 + $1.holdoutFrequency } == 1788)
        #expect(weeks.allSatisfy { $0.holdoutDuration == 39 })
    }

    @Test func bgnbdMatchesPublishedAndLifetimes() throws {
        let customers = try CDNOWFixture.summaries().map(\.calibration)
        let fit = try BGNBDParameters.fit(customers)
        #expect(fit.isConverged)
        #expect(fit.customerCount == 2357)
        #expect(fit.distinctRowCount == 1016)
        let estimate = fit.parameters

        // Published (FHL 2005), to 3 significant digits.
        #expect(sameToSignificantDigits(estimate.r, 0.243))
        #expect(sameToSignificantDigits(estimate.alpha, 4.414))
        #expect(sameToSignificantDigits(estimate.a, 0.793))
        #expect(sameToSignificantDigits(estimate.b, 2.426))
        #expect(abs(fit.logLikelihood - -9582.4) < 0.05)

        // lifetimes 0.11.3 (stops at gradient 1e-7, so agreement is to about 1e-5).
        #expect(close(estimate.r, 0.2425945434210672, relative: 1e-4))
        #expect(close(estimate.alpha, 4.413602716077373, relative: 1e-4))
        #expect(close(estimate.a, 0.7929218333478439, relative: 1e-4))
        #expect(close(estimate.b, 2.425905728721631, relative: 1e-4))
        #expect(close(fit.logLikelihood, -9582.429206673936, relative: 1e-8))
        // At least as good a maximum as lifetimes'.
        let lifetimes = BGNBDParameters(r: 0.2425945434210672, alpha: 4.413602716077373, a: 0.7929218333478439, b: 2.425905728721631)
        #expect(fit.logLikelihood >= (try lifetimes.logLikelihood(of: customers)) - 1e-9)
    }

    @Test func gammaGammaMatchesPublishedAndLifetimes() throws {
        let customers = try CDNOWFixture.summaries().map(\.calibration)
        let fit = try GammaGammaParameters.fit(customers)
        #expect(fit.isConverged)
        #expect(fit.customerCount == 946)

        // Published (note 025), to 3 significant digits.
        #expect(sameToSignificantDigits(fit.parameters.p, 6.25))
        #expect(sameToSignificantDigits(fit.parameters.q, 3.74))
        #expect(sameToSignificantDigits(fit.parameters.v, 15.44))
        #expect(abs(fit.logLikelihood - -4055.9177) < 1e-4)

        // lifetimes 0.11.3.
        #expect(close(fit.parameters.p, 6.2495722776354246, relative: 1e-4))
        #expect(close(fit.parameters.q, 3.7442246747583563, relative: 1e-4))
        #expect(close(fit.parameters.v, 15.443521018363713, relative: 1e-4))
        #expect(close(fit.logLikelihood, -4055.9176948018753, relative: 1e-8))
    }

    /// Predictions at lifetimes' own estimates, so only the prediction formulas are compared.
    /// (customer, x, t_x, T, m) and lifetimes' outputs from the peer's "predictions" list.
    static let lifetimesPredictions: [(customer: CustomerSummary, alive: Double, next39: Double, next52: Double, profit: Double, clv: Double)] = [
        (CustomerSummary(frequency: 2, recency: 30.428571428571427, age: 38.857142857142854, monetaryValue: 22.345),
         0.726620297788256, 1.2259944296717151, 1.558686203395526, 24.65391871323535, 36.27397745116055),
        (CustomerSummary(frequency: 1, recency: 1.7142857142857142, age: 38.857142857142854, monetaryValue: 11.77),
         0.2123910243493672, 0.2034188276052977, 0.2601215973330653, 18.910018475339093, 4.640936126483924),
        (CustomerSummary(frequency: 0, recency: 0, age: 38.857142857142854, monetaryValue: 0),
         1.0, 0.19479364221264212, 0.2516819103589324, 35.170371330454046, 8.344480971584327),
        (CustomerSummary(frequency: 1, recency: 4.857142857142857, age: 38.857142857142854, monetaryValue: 9.99),
         0.3108557358708401, 0.29772401888892136, 0.38071425476935067, 17.67313946716555, 6.348192221494796),
        (CustomerSummary(frequency: 26, recency: 30.857142857142858, age: 31.0, monetaryValue: 39.97),
         0.9688544473027234, 20.748903903930266, 25.757338577794485, 39.890286800197416, 972.045413838181),
        (CustomerSummary(frequency: 0, recency: 0, age: 27.0, monetaryValue: 0),
         1.0, 0.25897898860915286, 0.3320725330816769, 35.170371330454046, 11.01700253052981),
    ]

    @Test func predictionsMatchLifetimes() throws {
        let purchases = BGNBDParameters(r: 0.2425945434210672, alpha: 4.413602716077373, a: 0.7929218333478439, b: 2.425905728721631)
        let spend = GammaGammaParameters(p: 6.2495722776354246, q: 3.7442246747583563, v: 15.443521018363713)
        let model = try LifetimeValueModel(purchases: purchases, spend: spend, timeUnit: .weeks)
        for expected in Self.lifetimesPredictions {
            let c = expected.customer
            #expect(close(purchases.probabilityAlive(c), expected.alive, relative: 1e-12))
            #expect(close(purchases.conditionalExpectedPurchases(within: 39, for: c), expected.next39, relative: 1e-10))
            #expect(close(purchases.conditionalExpectedPurchases(within: 52, for: c), expected.next52, relative: 1e-10))
            #expect(close(spend.conditionalExpectedAverageProfit(c), expected.profit, relative: 1e-12))
            // lifetimes' CLV: 12 months, 1% a month, weeks (4.345 per month).
            #expect(close(try model.lifetimeValue(of: c, months: 12, monthlyDiscountRate: 0.01), expected.clv, relative: 1e-10))
        }
        let batch = try model.lifetimeValues(of: Self.lifetimesPredictions.map(\.customer))
        #expect(zip(batch, Self.lifetimesPredictions).allSatisfy { close($0, $1.clv, relative: 1e-10) })

        // E[X(t)] for a new customer, lifetimes expected_number_of_purchases_up_to_time.
        #expect(close(purchases.expectedPurchases(within: 1), 0.05318428769282815, relative: 1e-10))
        #expect(close(purchases.expectedPurchases(within: 39), 1.195009974479027, relative: 1e-10))
        #expect(close(purchases.expectedPurchases(within: 78), 1.8579583170093275, relative: 1e-10))
        #expect(close(purchases.expectedPurchases(within: 520), 4.968641352390022, relative: 1e-10))
    }
}
