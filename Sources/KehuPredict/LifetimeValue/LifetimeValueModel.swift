#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Customer lifetime value over a horizon: BG/NBD for how many purchases, Gamma-Gamma for what
/// each is worth, discounted month by month, with the conventions of the Python `lifetimes`
/// library's `GammaGammaFitter.customer_lifetime_value` (0.11.3):
///
///     CLV = Σ_{k=1..months} E[Z | x, m] · (E[Y(k·f) | x, t_x, T] - E[Y((k-1)·f) | x, t_x, T]) / (1 + d)^k
///
/// where f is ``TimeUnit/unitsPerMonth`` (so month k ends k·f model time units after the
/// calibration end), d the monthly discount rate, and E[Z | x, m] the Gamma-Gamma conditional
/// expected spend per purchase (the population mean for customers without repeat purchases).
/// The value is in the currency unit of the monetary values (major units).
public struct LifetimeValueModel: Sendable, Hashable {
    /// The fitted purchase model.
    public let purchases: BGNBDParameters
    /// The fitted spend model.
    public let spend: GammaGammaParameters
    /// The unit the purchase model and the summaries' times are in.
    public let timeUnit: TimeUnit

    /// A model from fitted parameters.
    /// - Throws: ``PredictionError/invalidParameters(_:)`` if a parameter is not positive and finite.
    public init(purchases: BGNBDParameters, spend: GammaGammaParameters, timeUnit: TimeUnit) throws(PredictionError) {
        guard purchases.isValid else { throw .invalidParameters(purchases.description) }
        guard spend.isValid else { throw .invalidParameters(spend.description) }
        self.purchases = purchases
        self.spend = spend
        self.timeUnit = timeUnit
    }

    /// The discounted value of one customer's purchases over the next `months` months.
    /// - Parameters:
    ///   - customer: The customer's summary at the calibration end.
    ///   - months: Horizon in whole months (lifetimes' `time`); 0 gives 0. Default 12.
    ///   - monthlyDiscountRate: Discount per month (lifetimes' `discount_rate`). Default 0.01.
    /// - Throws: ``PredictionError`` for a negative horizon or a discount rate not above -1.
    /// - Complexity: O(months × quadrature nodes).
    public func lifetimeValue(of customer: CustomerSummary, months: Int = 12, monthlyDiscountRate: Double = 0.01) throws(PredictionError) -> Double {
        try Self.validate(months: months, monthlyDiscountRate: monthlyDiscountRate)
        return value(customer, months: months, rate: monthlyDiscountRate)
    }

    /// ``lifetimeValue(of:months:monthlyDiscountRate:)`` for many customers, on all cores when
    /// there are many.
    ///
    /// The expected purchases of a customer who is alive depend on x and T only (t_x enters through
    /// P(alive), a common factor of every month), so the discounted purchase stream is integrated
    /// once per distinct (x, T) and shared: a million customers with ages in whole days need a few
    /// thousand integrations, not a million.
    /// - Complexity: O(n) hashing plus O(distinct (x, T) × months × quadrature nodes) / cores.
    public func lifetimeValues(of customers: [CustomerSummary], months: Int = 12, monthlyDiscountRate: Double = 0.01) throws(PredictionError) -> [Double] {
        try Self.validate(months: months, monthlyDiscountRate: monthlyDiscountRate)
        struct Cell: Hashable {
            var frequency: Int
            var age: Double
        }
        var cellNumber: [Cell: Int] = [:]
        var cells: [Cell] = []
        var customerCell = [Int](repeating: 0, count: customers.count)
        for (i, customer) in customers.enumerated() {
            let cell = Cell(frequency: customer.frequency, age: customer.age)
            if let known = cellNumber[cell] {
                customerCell[i] = known
            } else {
                customerCell[i] = cells.count
                cellNumber[cell] = cells.count
                cells.append(cell)
            }
        }

        var stream = [Double](repeating: 0, count: cells.count)
        let cellCount = cells.count
        let chunks = Parallel.chunkCount(for: cellCount, minimumPerChunk: 64, allowed: true)
        cells.withUnsafeBufferPointer { input in
            stream.withUnsafeMutableBufferPointer { output in
                // Each chunk reads its own cells and writes only its own slots.
                nonisolated(unsafe) let input = input
                nonisolated(unsafe) let output = output
                Parallel.run(chunks: chunks) { chunk in
                    for c in Parallel.range(ofChunk: chunk, of: chunks, count: cellCount) {
                        output[c] = discountedPurchasesIfAlive(frequency: input[c].frequency, age: input[c].age, months: months, rate: monthlyDiscountRate)
                    }
                }
            }
        }
        return customers.indices.map { i in
            spend.conditionalExpectedAverageProfit(customers[i]) * purchases.probabilityAlive(customers[i]) * stream[customerCell[i]]
        }
    }

    private static func validate(months: Int, monthlyDiscountRate: Double) throws(PredictionError) {
        guard months >= 0 else { throw .negativeHorizon(months: months) }
        guard monthlyDiscountRate.isFinite, monthlyDiscountRate > -1 else { throw .invalidDiscountRate(monthlyDiscountRate) }
    }

    private func value(_ customer: CustomerSummary, months: Int, rate: Double) -> Double {
        spend.conditionalExpectedAverageProfit(customer) * purchases.probabilityAlive(customer)
            * discountedPurchasesIfAlive(frequency: customer.frequency, age: customer.age, months: months, rate: rate)
    }

    /// Σₖ (S(k·f) - S((k-1)·f)) / (1 + d)^k: the discounted expected purchases month by month of a
    /// customer known to be alive, S being ``PurchaseIntegral`` at the posterior for (x, T).
    private func discountedPurchasesIfAlive(frequency x: Int, age: Double, months: Int, rate: Double) -> Double {
        guard months > 0 else { return 0 }
        let factor = timeUnit.unitsPerMonth
        let ends = (0...months).map { Double($0) * factor }
        let shift = purchases.alpha + age
        let scaled = ends.map { $0 / shift }
        var cumulative = [Double](repeating: 0, count: ends.count)
        let xd = Double(x)
        let integral = PurchaseIntegral(a: purchases.a, beta: purchases.b + xd, n: purchases.r + xd)
        scaled.withUnsafeBufferPointer { s in
            cumulative.withUnsafeMutableBufferPointer { out in _ = integral.evaluate(s, into: out) }
        }
        var total = 0.0
        for k in 1...months {
            // lifetimes discounts month k by (1 + d)^(t/f) with t = k·f.
            total += (cumulative[k] - cumulative[k - 1]) / pow(1 + rate, ends[k] / factor)
        }
        return total
    }
}
