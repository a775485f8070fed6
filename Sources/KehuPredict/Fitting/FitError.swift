/// Why a model could not be fitted to a set of customer summaries.
///
/// Each message names the customer by its position in the array that was passed in (never by
/// customer id, which can be personal data) and says what to change.
public enum FitError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The list of customers was empty.
    case noCustomers
    /// No customer has frequency > 0, so there is nothing to learn repeat buying or dropout from.
    case noRepeatCustomers(model: String)
    /// A summary value is NaN or infinite.
    case nonFinite(field: SummaryField, customerIndex: Int)
    /// A summary value that counts time or purchases is negative.
    case negative(field: SummaryField, customerIndex: Int, value: Double)
    /// Recency (first to last purchase) is longer than age T (first purchase to calibration end).
    case recencyExceedsAge(customerIndex: Int, recency: Double, age: Double)
    /// A customer with no repeat purchase has a non-zero recency.
    case recencyWithoutRepeatPurchase(customerIndex: Int, recency: Double)
    /// A repeat customer's average spend is zero or negative (Gamma-Gamma needs positive spend).
    case nonPositiveSpend(customerIndex: Int, value: Double)
    /// A starting point or option is unusable.
    case invalidOption(String)

    /// A readable explanation with the fix.
    public var description: String {
        switch self {
        case .noCustomers:
            return "no customers to fit: the summary is empty. Check the calibration end and that the purchases were loaded."
        case .noRepeatCustomers(let model):
            return "no customer made a repeat purchase (every frequency is 0), so the \(model) model has nothing to learn from: "
                + "use a longer calibration period or more customers."
        case .nonFinite(let field, let index):
            return "customer at index \(index): \(field.name) is not a finite number (NaN or infinity); fix or remove that row."
        case .negative(let field, let index, let value):
            return "customer at index \(index): \(field.name) is negative (\(value)); \(field.name) must be 0 or more. "
                + "Times count from the first purchase, so the calibration end must not be before a customer's first purchase."
        case .recencyExceedsAge(let index, let recency, let age):
            return "customer at index \(index): recency \(recency) is greater than age T \(age). The last purchase cannot be after "
                + "the calibration end: build recency and T from the same purchases and the same calibration end."
        case .recencyWithoutRepeatPurchase(let index, let recency):
            return "customer at index \(index): frequency is 0 but recency is \(recency). Without a repeat purchase recency is 0 "
                + "(time from the first to the last purchase): rebuild the summary or set recency to 0."
        case .nonPositiveSpend(let index, let value):
            return "customer at index \(index): has repeat purchases but an average spend of \(value). The Gamma-Gamma model needs "
                + "positive spend: leave out customers whose repeat purchases were free or fully refunded, or use gross spend."
        case .invalidOption(let message):
            return message
        }
    }
}

/// A column of a ``CustomerSummary``, for error messages.
public enum SummaryField: String, Sendable, Hashable, CaseIterable {
    /// Repeat purchase periods, x.
    case frequency
    /// Time from the first to the last purchase, t_x.
    case recency
    /// Time from the first purchase to the calibration end, T.
    case age
    /// Average spend of the repeat purchase periods.
    case monetaryValue

    /// The name used in messages: `frequency`, `recency`, `age T`, `monetary value`.
    public var name: String {
        switch self {
        case .frequency: "frequency"
        case .recency: "recency"
        case .age: "age T"
        case .monetaryValue: "monetary value"
        }
    }
}
