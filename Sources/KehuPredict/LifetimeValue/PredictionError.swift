/// Why a prediction could not be made.
public enum PredictionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The horizon in months is negative.
    case negativeHorizon(months: Int)
    /// The discount rate is not a finite number above -1.
    case invalidDiscountRate(Double)
    /// A model parameter is not positive and finite.
    case invalidParameters(String)

    /// A readable explanation with the fix.
    public var description: String {
        switch self {
        case .negativeHorizon(let months):
            return "the lifetime-value horizon is \(months) months; give 0 or more months."
        case .invalidDiscountRate(let rate):
            return "the monthly discount rate \(rate) is not usable: give a finite rate above -1, for example 0.01 for 1% a month."
        case .invalidParameters(let parameters):
            return "the model parameters \(parameters) are not all positive and finite: fit the models first, or check where the "
                + "parameters were read from."
        }
    }
}
