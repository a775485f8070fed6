#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Log-space special functions for the likelihoods. All take positive, finite arguments.
enum SpecialFunctions {
    /// ln Γ(x) for x > 0.
    ///
    /// Uses `lgamma_r`, not `lgamma`: the latter writes the process-wide `signgam`, which
    /// would be a data race when likelihood chunks run on several threads.
    @inline(__always)
    static func logGamma(_ x: Double) -> Double {
        var sign: Int32 = 0
        return lgamma_r(x, &sign)
    }

    /// ψ(x) = d/dx ln Γ(x) for x > 0, to about 1e-15 relative.
    ///
    /// Shifts the argument up to at least 10 with ψ(x) = ψ(x + 1) - 1/x, then uses the
    /// asymptotic series in 1/x², whose first omitted term is below 1e-16 there.
    static func digamma(_ x: Double) -> Double {
        var x = x
        var shift = 0.0
        while x < 10 {
            shift -= 1 / x
            x += 1
        }
        let f = 1 / (x * x)
        // Bernoulli terms B_2k / (2k x^2k), k = 1...6.
        let series = f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240
            - f * (1.0 / 132 - f * (691.0 / 32760))))))
        return shift + log(x) - 0.5 / x - series
    }

    /// ln Γ(x + a) - ln Γ(x) for x > 0, a ≥ 0, accurate also when x is huge and a small,
    /// where subtracting two `lgamma` values would lose the digits of the difference.
    static func logGammaRatio(_ x: Double, shift a: Double) -> Double {
        guard x >= 20 else { return logGamma(x + a) - logGamma(x) }
        // Stirling: ln Γ(z) = (z - ½) ln z - z + ½ ln 2π + c(z). Written as a difference the
        // large terms cancel analytically: a ln x + (x + a - ½) ln(1 + a/x) - a + c(x + a) - c(x).
        return a * log(x) + (x + a - 0.5) * log1p(a / x) - a + stirlingCorrection(x + a) - stirlingCorrection(x)
    }

    /// ψ(x + a) - ψ(x) for x > 0, a ≥ 0, accurate also when x is huge and a small (the
    /// Gamma-Gamma fit's q runs to 1e28 on data whose spend hardly varies between customers,
    /// where subtracting two digammas near 65 leaves only rounding error).
    static func digammaDifference(_ x: Double, shift a: Double) -> Double {
        guard x >= 20 else { return digamma(x + a) - digamma(x) }
        // ψ(z) = ln z - 1/(2z) - 1/(12z²) + 1/(120z⁴) - 1/(252z⁶) + ..., differenced term by term
        // in forms that do not cancel.
        let y = x + a
        let inverseX2 = 1 / (x * x), inverseY2 = 1 / (y * y)
        let half = a / (2 * x * y)  // 1/(2x) - 1/(2y)
        let twelfth = a * (x + y) * inverseX2 * inverseY2 / 12  // 1/(12x²) - 1/(12y²)
        let rest = (inverseY2 * inverseY2 - inverseX2 * inverseX2) / 120 - (inverseY2 * inverseY2 * inverseY2 - inverseX2 * inverseX2 * inverseX2) / 252
        return log1p(a / x) + half + twelfth + rest
    }

    /// ln B(a, b) = ln Γ(a) + ln Γ(b) - ln Γ(a + b).
    static func logBeta(_ a: Double, _ b: Double) -> Double {
        let (small, large) = a <= b ? (a, b) : (b, a)
        return logGamma(small) - logGammaRatio(large, shift: small)
    }

    /// The Stirling series tail c(z) = 1/(12z) - 1/(360z³) + 1/(1260z⁵) - 1/(1680z⁷) + 1/(1188z⁹),
    /// for z ≥ 20, where the first omitted term is below 1e-17.
    private static func stirlingCorrection(_ z: Double) -> Double {
        let f = 1 / (z * z)
        return (1.0 / 12 - f * (1.0 / 360 - f * (1.0 / 1260 - f * (1.0 / 1680 - f * (1.0 / 1188))))) / z
    }

    /// ln(1 + eᵘ) without overflow.
    @inline(__always)
    static func softplus(_ u: Double) -> Double {
        u > 0 ? u + log1p(exp(-u)) : log1p(exp(u))
    }

    /// 1 / (1 + e⁻ᵘ) without overflow.
    @inline(__always)
    static func logistic(_ u: Double) -> Double {
        if u >= 0 {
            return 1 / (1 + exp(-u))
        }
        let e = exp(u)
        return e / (1 + e)
    }
}
