#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The Gamma-Gamma model of spend per purchase (Fader, Hardie & Lee 2005, "RFM and CLV: using
/// iso-value curves for customer base analysis", *Journal of Marketing Research* 42(4); Fader &
/// Hardie, "The Gamma-Gamma model of monetary value", note 025).
///
/// Each purchase of a customer is worth z ~ Gamma(shape p, rate ν), with ν ~ Gamma(shape q,
/// rate v) across customers. v is in the currency unit of the monetary values it was fitted on;
/// p and q have no unit. The model assumes spend is independent of purchase frequency.
public struct GammaGammaParameters: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Shape of the per-purchase spend distribution.
    public var p: Double
    /// Shape of the distribution of ν across customers.
    public var q: Double
    /// Rate of the distribution of ν across customers, in currency units.
    public var v: Double

    /// Parameters from their values; all three must be positive for the formulas to hold.
    public init(p: Double, q: Double, v: Double) {
        self.p = p
        self.q = q
        self.v = v
    }

    /// `p=6.25 q=3.744 v=15.44`.
    public var description: String {
        "p=\(p.formatted4) q=\(q.formatted4) v=\(v.formatted4)"
    }

    /// Whether all three parameters are positive and finite.
    public var isValid: Bool {
        [p, q, v].allSatisfy { $0.isFinite && $0 > 0 }
    }

    /// The population mean spend per purchase, p·v / (q - 1); meaningful only when q > 1 (for
    /// q ≤ 1 the mean does not exist and the formula, like lifetimes', gives a non-positive value).
    public var meanSpend: Double { p * v / (q - 1) }

    /// The log-likelihood of a repeat customer's average spend m over x purchases (note 025
    /// eq. 1a, the density of the average):
    ///
    ///     ln f(m | x) = ln Γ(px + q) - ln Γ(px) - ln Γ(q) + q ln v
    ///                   + (px - 1) ln m + px ln x - (px + q) ln(xm + v)
    ///
    /// - Parameters:
    ///   - x: Repeat purchase periods, at least 1.
    ///   - m: Their average spend, positive.
    ///
    /// Evaluated as `-ln B(px, q) - q·log1p(xm/v) - px·ln(xm + v) + (px - 1) ln m + px ln x`, the
    /// same value without terms of size q·ln v that cancel: a fit on spends that hardly vary
    /// between customers drives q and v to 1e18 and beyond, where the textbook form loses every
    /// digit and its noise looks like a better fit.
    public func logLikelihood(frequency x: Int, monetaryValue m: Double) -> Double {
        let px = p * Double(x)
        let xm = Double(x) * m
        return -SpecialFunctions.logBeta(px, q) - q * log1p(xm / v) - px * log(xm + v) + (px - 1) * log(m) + px * log(Double(x))
    }

    /// E[Z | x, m]: the expected spend per future purchase of a customer whose x repeat purchases
    /// averaged m (note 025 eq. 5): a weighted mean of the population mean and the customer's own,
    ///
    ///     E[Z | x, m] = (1 - w) · p·v/(q - 1) + w · m,   w = p·x / (p·x + q - 1).
    ///
    /// A customer with x = 0 gets the population mean ``meanSpend``, as in lifetimes.
    public func conditionalExpectedAverageProfit(frequency x: Int, monetaryValue m: Double) -> Double {
        let px = p * Double(x)
        let weight = px / (px + q - 1)
        return (1 - weight) * meanSpend + weight * m
    }

    /// E[Z | x, m] for a summary; see ``conditionalExpectedAverageProfit(frequency:monetaryValue:)``.
    public func conditionalExpectedAverageProfit(_ customer: CustomerSummary) -> Double {
        conditionalExpectedAverageProfit(frequency: customer.frequency, monetaryValue: customer.monetaryValue)
    }
}
