#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The BG/NBD model of repeat buying (Fader, Hardie & Lee 2005, "Counting your customers the
/// easy way: an alternative to the Pareto/NBD model", *Marketing Science* 24(2)).
///
/// While alive, a customer buys at a Poisson rate λ ~ Gamma(shape r, rate α); after each repeat
/// purchase they drop out for good with probability p ~ Beta(a, b). α is in the time unit of the
/// summaries it was fitted on (for example weeks); r, a and b have no unit.
public struct BGNBDParameters: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Shape of the purchase-rate distribution.
    public var r: Double
    /// Rate (inverse scale) of the purchase-rate distribution, in the summaries' time unit.
    public var alpha: Double
    /// First shape of the dropout-probability distribution.
    public var a: Double
    /// Second shape of the dropout-probability distribution.
    public var b: Double

    /// Parameters from their values; all four must be positive for the formulas to hold.
    public init(r: Double, alpha: Double, a: Double, b: Double) {
        self.r = r
        self.alpha = alpha
        self.a = a
        self.b = b
    }

    /// `r=0.2426 alpha=4.414 a=0.7929 b=2.426`.
    public var description: String {
        "r=\(r.formatted4) alpha=\(alpha.formatted4) a=\(a.formatted4) b=\(b.formatted4)"
    }

    /// The mean probability of dropping out after a repeat purchase, `a / (a + b)`. Near 0, the
    /// fit sees no dropout in the data and P(alive) is about 1 for every customer.
    public var meanDropout: Double { a / (a + b) }

    /// Whether all four parameters are positive and finite.
    public var isValid: Bool {
        [r, alpha, a, b].allSatisfy { $0.isFinite && $0 > 0 }
    }

    /// The log-likelihood of one customer's summary (FHL 2005 eq. 6, in log space):
    ///
    ///     ln L = A₁ + A₂ + ln(e^A₃ + [x > 0] e^A₄)
    ///     A₁ = ln Γ(r + x) - ln Γ(r) + r ln α
    ///     A₂ = ln Γ(a + b) + ln Γ(b + x) - ln Γ(b) - ln Γ(a + b + x)
    ///     A₃ = -(r + x) ln(α + T)
    ///     A₄ = ln a - ln(b + x - 1) - (r + x) ln(α + t_x)
    ///
    /// The value is a density in the summaries' time unit, so it changes by x·ln(c) when times are
    /// rescaled by c; totals are comparable only for the same unit.
    public func logLikelihood(frequency x: Int, recency: Double, age: Double) -> Double {
        let xd = Double(x)
        let n = r + xd
        let common = SpecialFunctions.logGammaRatio(r, shift: xd) + r * log(alpha)
            + SpecialFunctions.logGamma(a + b) - SpecialFunctions.logGamma(b)
            - SpecialFunctions.logGammaRatio(b + xd, shift: a)
        let stillAlive = -n * log(alpha + age)
        guard x > 0 else { return common + stillAlive }
        let droppedOut = log(a) - log(b + xd - 1) - n * log(alpha + recency)
        let high = max(stillAlive, droppedOut)
        return common + high + log1p(exp(min(stillAlive, droppedOut) - high))
    }

    /// The log-likelihood of one customer summary; see ``logLikelihood(frequency:recency:age:)``.
    public func logLikelihood(_ customer: CustomerSummary) -> Double {
        logLikelihood(frequency: customer.frequency, recency: customer.recency, age: customer.age)
    }

    /// The total log-likelihood of many customers, through the same grouped, parallel pass the fit
    /// uses.
    /// - Throws: ``FitError`` when a summary is invalid (see ``fit(_:startingAt:options:)``).
    /// - Complexity: O(n log n) to group the customers, then O(distinct rows).
    public func logLikelihood(of customers: [CustomerSummary]) throws(FitError) -> Double {
        let rows = try BGNBDLikelihoodRows(customers, requireRepeatCustomers: false)
        var gradient = BGNBDLikelihoodRows.Gradient()
        return rows.evaluate(self, gradient: &gradient, parallel: true)
    }
}

extension Double {
    /// Four significant digits, for descriptions.
    var formatted4: String {
        guard isFinite, self != 0 else { return "\(self)" }
        let digits = max(0, 3 - Int(floor(log10(abs(self)))))
        let scale = pow(10, Double(digits))
        let rounded = (self * scale).rounded() / scale
        return digits == 0 ? "\(Int(rounded))" : "\(rounded)"
    }
}
