import Testing
import KehuPredict

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct LifetimeValueTests {
    /// BG/NBD r = 1, α = 1, a = 2, b = 1 in months; Gamma-Gamma p = 1, q = 2, v = 3 (mean spend 3).
    /// A customer with x = 0, T = 1 gets E[Z] = 3 and, from PredictionTests,
    ///   E[Y(t)] = 2(1 - ln(1 + s)/s), s = t/(α+T) = t/2:
    ///   E[Y(1)] = 2(1 - 2 ln 1.5) = 2 - 4 ln 1.5,  E[Y(2)] = 2(1 - ln 2).
    /// 1 month at 1%:  3 · E[Y(1)] / 1.01.
    /// 2 months at 1%: 3 · (E[Y(1)]/1.01 + (E[Y(2)] - E[Y(1)])/1.01²).
    @Test func lifetimeValueByHand() throws {
        let model = try LifetimeValueModel(
            purchases: BGNBDParameters(r: 1, alpha: 1, a: 2, b: 1), spend: GammaGammaParameters(p: 1, q: 2, v: 3), timeUnit: .months
        )
        let customer = CustomerSummary(frequency: 0, recency: 0, age: 1)
        let first = 2 - 4 * log(1.5)
        let second = 2 * (1 - log(2.0))
        #expect(close(try model.lifetimeValue(of: customer, months: 1, monthlyDiscountRate: 0.01), 3 * first / 1.01, relative: 1e-12))
        #expect(close(try model.lifetimeValue(of: customer, months: 2, monthlyDiscountRate: 0.01),
                      3 * (first / 1.01 + (second - first) / (1.01 * 1.01)), relative: 1e-12))
        #expect(try model.lifetimeValue(of: customer, months: 0) == 0)
    }

    /// Days: month k ends at 30k days (lifetimes' factor), so a model in days with α scaled by 30
    /// gives the same value as the model in months.
    @Test func timeUnitsAgree() throws {
        let spend = GammaGammaParameters(p: 6.25, q: 3.74, v: 15.44)
        let months = try LifetimeValueModel(purchases: BGNBDParameters(r: 0.243, alpha: 1.2, a: 0.793, b: 2.426), spend: spend, timeUnit: .months)
        let days = try LifetimeValueModel(purchases: BGNBDParameters(r: 0.243, alpha: 36, a: 0.793, b: 2.426), spend: spend, timeUnit: .days)
        let inMonths = CustomerSummary(frequency: 3, recency: 5, age: 8, monetaryValue: 20)
        let inDays = CustomerSummary(frequency: 3, recency: 150, age: 240, monetaryValue: 20)
        let a = try months.lifetimeValue(of: inMonths, months: 24, monthlyDiscountRate: 0.02)
        let b = try days.lifetimeValue(of: inDays, months: 24, monthlyDiscountRate: 0.02)
        #expect(a > 0)
        #expect(close(a, b, relative: 1e-12))
        // More months add value; a higher discount rate removes some.
        #expect(try months.lifetimeValue(of: inMonths, months: 36, monthlyDiscountRate: 0.02) > a)
        #expect(try months.lifetimeValue(of: inMonths, months: 24, monthlyDiscountRate: 0.05) < a)
    }

    @Test func invalidInputsAreRejected() throws {
        let purchases = BGNBDParameters(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)
        let spend = GammaGammaParameters(p: 6.25, q: 3.74, v: 15.44)
        let model = try LifetimeValueModel(purchases: purchases, spend: spend, timeUnit: .weeks)
        let customer = CustomerSummary(frequency: 1, recency: 2, age: 3, monetaryValue: 10)
        #expect(throws: PredictionError.negativeHorizon(months: -1)) { try model.lifetimeValue(of: customer, months: -1) }
        #expect(throws: PredictionError.invalidDiscountRate(-1)) { try model.lifetimeValue(of: customer, monthlyDiscountRate: -1) }
        #expect(throws: PredictionError.self) { try model.lifetimeValues(of: [customer], monthlyDiscountRate: .nan) }
        #expect(throws: PredictionError.self) {
            try LifetimeValueModel(purchases: BGNBDParameters(r: 0, alpha: 1, a: 1, b: 1), spend: spend, timeUnit: .days)
        }
        #expect(PredictionError.invalidDiscountRate(-2).description.contains("above -1"))
    }
}
