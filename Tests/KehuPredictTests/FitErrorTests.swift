import Testing
import KehuPredict

@Suite struct FitErrorTests {
    static let good = CustomerSummary(frequency: 2, recency: 5, age: 10, monetaryValue: 20)

    @Test func bgnbdRejectsBadSummariesByIndex() {
        #expect(throws: FitError.noCustomers) { try BGNBDParameters.fit([]) }
        #expect(throws: FitError.noRepeatCustomers(model: "BG/NBD")) {
            try BGNBDParameters.fit([CustomerSummary(frequency: 0, recency: 0, age: 3), CustomerSummary(frequency: 0, recency: 0, age: 8)])
        }
        #expect(throws: FitError.nonFinite(field: .recency, customerIndex: 1)) {
            try BGNBDParameters.fit([Self.good, CustomerSummary(frequency: 1, recency: .nan, age: 10)])
        }
        #expect(throws: FitError.nonFinite(field: .age, customerIndex: 2)) {
            try BGNBDParameters.fit([Self.good, Self.good, CustomerSummary(frequency: 1, recency: 1, age: .infinity)])
        }
        #expect(throws: FitError.negative(field: .age, customerIndex: 1, value: -3)) {
            try BGNBDParameters.fit([Self.good, CustomerSummary(frequency: 0, recency: 0, age: -3)])
        }
        #expect(throws: FitError.negative(field: .frequency, customerIndex: 0, value: -1)) {
            try BGNBDParameters.fit([CustomerSummary(frequency: -1, recency: 0, age: 3), Self.good])
        }
        #expect(throws: FitError.recencyExceedsAge(customerIndex: 1, recency: 12, age: 10)) {
            try BGNBDParameters.fit([Self.good, CustomerSummary(frequency: 3, recency: 12, age: 10)])
        }
        #expect(throws: FitError.recencyWithoutRepeatPurchase(customerIndex: 0, recency: 4)) {
            try BGNBDParameters.fit([CustomerSummary(frequency: 0, recency: 4, age: 10), Self.good])
        }
        #expect(throws: FitError.invalidOption("gradient tolerance must be a positive number, got 0.0")) {
            try BGNBDParameters.fit([Self.good], options: FitOptions(gradientTolerance: 0))
        }
        #expect(throws: FitError.self) {
            try BGNBDParameters.fit([Self.good], startingAt: BGNBDParameters(r: -1, alpha: 1, a: 1, b: 1))
        }
    }

    @Test func gammaGammaRejectsBadSpendByIndex() {
        #expect(throws: FitError.noCustomers) { try GammaGammaParameters.fit([]) }
        #expect(throws: FitError.noRepeatCustomers(model: "Gamma-Gamma")) {
            try GammaGammaParameters.fit([CustomerSummary(frequency: 0, recency: 0, age: 3)])
        }
        #expect(throws: FitError.nonPositiveSpend(customerIndex: 2, value: 0)) {
            try GammaGammaParameters.fit([Self.good, CustomerSummary(frequency: 0, recency: 0, age: 3), CustomerSummary(frequency: 1, recency: 1, age: 3)])
        }
        #expect(throws: FitError.nonFinite(field: .monetaryValue, customerIndex: 1)) {
            try GammaGammaParameters.fit([Self.good, CustomerSummary(frequency: 1, recency: 1, age: 3, monetaryValue: .infinity)])
        }
    }

    /// Messages name the row and say what to do, and never carry a customer id.
    @Test func messagesSayWhatToDo() {
        let late = FitError.recencyExceedsAge(customerIndex: 41, recency: 12, age: 10).description
        #expect(late.contains("index 41"))
        #expect(late.contains("same calibration end"))
        #expect(FitError.noRepeatCustomers(model: "BG/NBD").description.contains("longer calibration period"))
        #expect(FitError.nonPositiveSpend(customerIndex: 3, value: 0).description.contains("positive spend"))
        #expect(FitError.negative(field: .age, customerIndex: 5, value: -1).description.contains("age T is negative"))
    }

    /// A fit cut short says so.
    @Test func iterationLimitIsReported() throws {
        let customers = try CDNOWFixture.summaries().map(\.calibration)
        let fit = try BGNBDParameters.fit(customers, options: FitOptions(maximumIterations: 2))
        #expect(fit.convergence == .iterationLimitReached)
        #expect(!fit.isConverged)
        #expect(fit.iterations == 2)
        #expect(fit.gradientNorm > 1e-9)
    }
}
