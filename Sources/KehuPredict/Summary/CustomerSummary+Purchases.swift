/// A customer's summary together with who they are and the exact spend behind it.
public struct SummarizedCustomer<Customer: Hashable & Sendable>: Sendable {
    /// The customer.
    public var customer: Customer
    /// Frequency, recency, T and average repeat spend at the calibration end.
    public var summary: CustomerSummary
    /// The day of the first purchase (the start of the customer's T).
    public var firstPurchaseDay: Int
    /// Total spend of the repeat periods (all periods after the first), in minor units: the exact
    /// numerator of ``CustomerSummary/monetaryValue``.
    public var repeatSpendMinorUnits: Int64
}

/// A customer's calibration summary and what they did in the holdout period after it, as
/// lifetimes' `calibration_and_holdout_data` reports.
public struct CalibrationHoldoutCustomer<Customer: Hashable & Sendable>: Sendable {
    /// The customer.
    public var customer: Customer
    /// The summary at the calibration end.
    public var calibration: CustomerSummary
    /// The day of the first purchase.
    public var firstPurchaseDay: Int
    /// Total spend of the calibration repeat periods, in minor units.
    public var calibrationRepeatSpendMinorUnits: Int64
    /// Periods with a purchase in the holdout (lifetimes' `frequency_holdout`).
    public var holdoutFrequency: Int
    /// Purchases in the holdout, counted one by one.
    public var holdoutPurchaseCount: Int
    /// Total holdout spend, in minor units.
    public var holdoutSpendMinorUnits: Int64
    /// Mean spend per holdout purchase in major units, 0 without holdout purchases (lifetimes'
    /// `monetary_value_holdout`, which averages purchases, not periods).
    public var holdoutMonetaryValue: Double
    /// Length of the holdout in the time scale's unit (lifetimes' `duration_holdout`).
    public var holdoutDuration: Double
}

extension CustomerSummary {
    /// Summaries of every customer with a purchase on or before `calibrationEnd`, as lifetimes'
    /// `summary_data_from_transaction_data` computes them (without the first transaction):
    ///
    /// - frequency: periods with a purchase, minus one;
    /// - recency: time from the first to the last such period;
    /// - T: time from the first period to the period of `calibrationEnd`;
    /// - monetary value: the mean over the repeat periods of each period's total spend, 0 without
    ///   repeat periods. Amounts are summed exactly in minor units and divided only at the end.
    ///
    /// Purchases after `calibrationEnd` are ignored. Customers come out in the order they first
    /// appear in `purchases`.
    /// - Parameters:
    ///   - purchases: The purchases, in any order.
    ///   - calibrationEnd: The last day of the calibration period (inclusive).
    ///   - timeScale: How to form periods and measure time.
    ///   - minorUnitsPerMajorUnit: 100 for yuan/fen or dollars/cents; monetary values are in major units.
    /// - Throws: ``SummaryError`` when a customer's spend overflows or the factor is not positive.
    /// - Complexity: O(n log n) for n purchases.
    public static func summarize<Customer>(
        _ purchases: some Sequence<Purchase<Customer>>, calibrationEnd: Int, timeScale: SummaryTimeScale,
        minorUnitsPerMajorUnit: Int64 = 100
    ) throws(SummaryError) -> [SummarizedCustomer<Customer>] {
        guard minorUnitsPerMajorUnit > 0 else { throw .invalidMinorUnits(minorUnitsPerMajorUnit) }
        let table = PurchaseTable(purchases, timeScale: timeScale) { $0 <= calibrationEnd }
        let endPeriod = timeScale.period(ofDay: calibrationEnd)
        let histories = try table.histories()
        return histories.indices.map { i in
            let history = histories[i]
            return SummarizedCustomer(
                customer: table.customers[i],
                summary: history.summary(endPeriod: endPeriod, timeScale: timeScale, minorUnitsPerMajorUnit: minorUnitsPerMajorUnit),
                firstPurchaseDay: history.firstDay,
                repeatSpendMinorUnits: history.repeatSpend
            )
        }
    }

    /// Calibration summaries plus holdout behaviour, as lifetimes' `calibration_and_holdout_data`:
    /// customers are those with a purchase on or before `calibrationEnd`; their purchases after it
    /// and on or before `observationEnd` make up the holdout.
    /// - Parameters:
    ///   - purchases: The purchases, in any order.
    ///   - calibrationEnd: Last day of calibration (inclusive).
    ///   - observationEnd: Last day of the holdout (inclusive).
    ///   - timeScale: How to form periods and measure time.
    ///   - minorUnitsPerMajorUnit: 100 for yuan/fen or dollars/cents.
    /// - Throws: ``SummaryError`` when `observationEnd < calibrationEnd`, a spend overflows or the
    ///   factor is not positive.
    /// - Complexity: O(n log n) for n purchases.
    public static func calibrationAndHoldout<Customer>(
        _ purchases: some Sequence<Purchase<Customer>>, calibrationEnd: Int, observationEnd: Int,
        timeScale: SummaryTimeScale, minorUnitsPerMajorUnit: Int64 = 100
    ) throws(SummaryError) -> [CalibrationHoldoutCustomer<Customer>] {
        guard minorUnitsPerMajorUnit > 0 else { throw .invalidMinorUnits(minorUnitsPerMajorUnit) }
        guard observationEnd >= calibrationEnd else {
            throw .observationEndBeforeCalibrationEnd(calibrationEnd: calibrationEnd, observationEnd: observationEnd)
        }
        let all = Array(purchases)
        let calibration = PurchaseTable(all, timeScale: timeScale) { $0 <= calibrationEnd }
        let histories = try calibration.histories()
        let holdout = try calibration.holdout(all, timeScale: timeScale) { $0 > calibrationEnd && $0 <= observationEnd }
        let endPeriod = timeScale.period(ofDay: calibrationEnd)
        let duration = timeScale.duration(fromPeriod: endPeriod, toPeriod: timeScale.period(ofDay: observationEnd))
        let scale = Double(minorUnitsPerMajorUnit)
        return histories.indices.map { i in
            let history = histories[i]
            let after = holdout[i]
            return CalibrationHoldoutCustomer(
                customer: calibration.customers[i],
                calibration: history.summary(endPeriod: endPeriod, timeScale: timeScale, minorUnitsPerMajorUnit: minorUnitsPerMajorUnit),
                firstPurchaseDay: history.firstDay,
                calibrationRepeatSpendMinorUnits: history.repeatSpend,
                holdoutFrequency: after.periods,
                holdoutPurchaseCount: after.purchases,
                holdoutSpendMinorUnits: after.spend,
                holdoutMonetaryValue: after.purchases > 0 ? Double(after.spend) / Double(after.purchases) / scale : 0,
                holdoutDuration: duration
            )
        }
    }
}

/// Purchases in a window, numbered by customer in order of first appearance and sorted by
/// (customer, period) for one pass per customer.
private struct PurchaseTable<Customer: Hashable & Sendable> {
    var customers: [Customer] = []
    var number: [Customer: Int] = [:]
    /// (customer number, period, day, amount), sorted by customer then period.
    var rows: [(customer: Int, period: Int, day: Int, amount: Int64)] = []

    init(_ purchases: some Sequence<Purchase<Customer>>, timeScale: SummaryTimeScale, includes: (Int) -> Bool) {
        for purchase in purchases where includes(purchase.day) {
            let id: Int
            if let known = number[purchase.customer] {
                id = known
            } else {
                id = customers.count
                number[purchase.customer] = id
                customers.append(purchase.customer)
            }
            rows.append((id, timeScale.period(ofDay: purchase.day), purchase.day, purchase.amountMinorUnits))
        }
        rows.sort { $0.customer != $1.customer ? $0.customer < $1.customer : $0.period < $1.period }
    }

    struct History {
        var firstPeriod = 0, lastPeriod = 0, firstDay = 0, periods = 0
        var repeatSpend: Int64 = 0

        func summary(endPeriod: Int, timeScale: SummaryTimeScale, minorUnitsPerMajorUnit: Int64) -> CustomerSummary {
            let frequency = periods - 1
            return CustomerSummary(
                frequency: frequency,
                recency: timeScale.duration(fromPeriod: firstPeriod, toPeriod: lastPeriod),
                age: timeScale.duration(fromPeriod: firstPeriod, toPeriod: endPeriod),
                monetaryValue: frequency > 0 ? Double(repeatSpend) / Double(frequency) / Double(minorUnitsPerMajorUnit) : 0
            )
        }
    }

    /// One history per customer, in customer-number order.
    func histories() throws(SummaryError) -> [History] {
        var out = [History](repeating: History(), count: customers.count)
        var i = 0
        while i < rows.count {
            let id = rows[i].customer
            var history = History(firstPeriod: rows[i].period, lastPeriod: rows[i].period, firstDay: rows[i].day)
            while i < rows.count && rows[i].customer == id {
                let period = rows[i].period
                var periodSpend: Int64 = 0
                history.firstDay = min(history.firstDay, rows[i].day)
                while i < rows.count && rows[i].customer == id && rows[i].period == period {
                    let (sum, overflow) = periodSpend.addingReportingOverflow(rows[i].amount)
                    guard !overflow else { throw .spendOverflow(customerIndex: id) }
                    periodSpend = sum
                    history.firstDay = min(history.firstDay, rows[i].day)
                    i += 1
                }
                if history.periods > 0 {
                    let (sum, overflow) = history.repeatSpend.addingReportingOverflow(periodSpend)
                    guard !overflow else { throw .spendOverflow(customerIndex: id) }
                    history.repeatSpend = sum
                }
                history.periods += 1
                history.lastPeriod = period
            }
            out[id] = history
        }
        return out
    }

    struct Holdout {
        var periods = 0, purchases = 0
        var spend: Int64 = 0
    }

    /// Holdout counts for this table's customers from the purchases whose day passes `includes`;
    /// customers first seen in the holdout are left out, as lifetimes does.
    func holdout(_ purchases: [Purchase<Customer>], timeScale: SummaryTimeScale, includes: (Int) -> Bool) throws(SummaryError) -> [Holdout] {
        var later: [(customer: Int, period: Int, amount: Int64)] = []
        for purchase in purchases where includes(purchase.day) {
            guard let id = number[purchase.customer] else { continue }
            later.append((id, timeScale.period(ofDay: purchase.day), purchase.amountMinorUnits))
        }
        later.sort { $0.customer != $1.customer ? $0.customer < $1.customer : $0.period < $1.period }
        var out = [Holdout](repeating: Holdout(), count: customers.count)
        for (k, row) in later.enumerated() {
            if k == 0 || later[k - 1].customer != row.customer || later[k - 1].period != row.period {
                out[row.customer].periods += 1
            }
            out[row.customer].purchases += 1
            let (sum, overflow) = out[row.customer].spend.addingReportingOverflow(row.amount)
            guard !overflow else { throw .spendOverflow(customerIndex: row.customer) }
            out[row.customer].spend = sum
        }
        return out
    }
}
