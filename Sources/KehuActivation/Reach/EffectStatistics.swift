import Foundation

/// The interval estimates behind `kehu reach effect` (docs/definitions.md, "Reach effect").
public enum EffectStatistics {
    /// The standard normal 97.5% quantile: 95% two-sided intervals.
    public static let z95 = 1.959_963_984_540_054

    /// The Wilson score interval of a proportion `x / n` (Wilson 1927); (0, 1) when n is 0.
    public static func wilson(_ x: Int, _ n: Int, z: Double = z95) -> (lower: Double, upper: Double) {
        guard n > 0 else { return (0, 1) }
        let nn = Double(n)
        let p = Double(x) / nn
        let z2 = z * z
        let centre = (p + z2 / (2 * nn)) / (1 + z2 / nn)
        let half = z / (1 + z2 / nn) * (p * (1 - p) / nn + z2 / (4 * nn * nn)).squareRoot()
        // Exact at the ends: x = 0 has lower 0, x = n has upper 1.
        return (x == 0 ? 0 : max(0, centre - half), x == n ? 1 : min(1, centre + half))
    }

    /// The 95% interval of p1 − p2 by Newcombe's hybrid score method (Newcombe 1998, method 10),
    /// which combines the two Wilson intervals and, unlike the Wald interval, behaves at small
    /// counts and near 0 or 1: with (l1, u1) and (l2, u2) the Wilson intervals,
    /// lower = d − √((p1 − l1)² + (u2 − p2)²), upper = d + √((u1 − p1)² + (p2 − l2)²).
    /// Nil when either group is empty.
    public static func newcombeDifference(
        _ x1: Int, _ n1: Int, _ x2: Int, _ n2: Int, z: Double = z95
    ) -> (lower: Double, upper: Double)? {
        guard n1 > 0, n2 > 0 else { return nil }
        let p1 = Double(x1) / Double(n1)
        let p2 = Double(x2) / Double(n2)
        let (l1, u1) = wilson(x1, n1, z: z)
        let (l2, u2) = wilson(x2, n2, z: z)
        let d = p1 - p2
        let lower = d - ((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2)).squareRoot()
        let upper = d + ((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2)).squareRoot()
        return (lower, upper)
    }

    /// Welch's t interval (95%) for the difference of two means with unequal variances:
    /// se = √(v1/n1 + v2/n2), Welch–Satterthwaite degrees of freedom
    /// df = se⁴ / ((v1/n1)²/(n1−1) + (v2/n2)²/(n2−1)), interval d ± t(0.975, df)·se.
    /// `v1`, `v2` are sample variances (n − 1 denominators). Nil when a group has fewer than
    /// two members; a zero-width interval when both variances are 0.
    public static func welch(
        mean1: Double, variance1: Double, n1: Int, mean2: Double, variance2: Double, n2: Int
    ) -> (lower: Double, upper: Double, df: Double)? {
        guard n1 >= 2, n2 >= 2 else { return nil }
        let a = variance1 / Double(n1)
        let b = variance2 / Double(n2)
        let d = mean1 - mean2
        let se2 = a + b
        guard se2 > 0 else { return (d, d, Double(n1 + n2 - 2)) }
        let df = se2 * se2 / (a * a / Double(n1 - 1) + b * b / Double(n2 - 1))
        let half = studentTQuantile(0.975, df: df) * se2.squareRoot()
        return (d - half, d + half, df)
    }

    /// The mean (from an exact integer sum) and sample variance of integer values.
    public static func meanAndVariance(_ values: [Int64]) -> (mean: Double, variance: Double) {
        guard !values.isEmpty else { return (0, 0) }
        let sum = values.reduce(Int64(0), +)
        let mean = Double(sum) / Double(values.count)
        guard values.count >= 2 else { return (mean, 0) }
        // Two passes: squares of deviations from the exact mean, not Σx² − n·mean² (which
        // cancels badly and whose fen² sums overflow Int64).
        var squares = 0.0
        for v in values {
            let d = Double(v) - mean
            squares += d * d
        }
        return (mean, squares / Double(values.count - 1))
    }

    /// The `p` quantile (p in (0.5, 1)) of Student's t distribution with `df` > 0 degrees of
    /// freedom (fractional allowed): bisection on the distribution function, which is
    /// 1 − ½·I(df/(df+t²); df/2, ½) for t ≥ 0.
    public static func studentTQuantile(_ p: Double, df: Double) -> Double {
        precondition(p > 0.5 && p < 1 && df > 0)
        var low = 0.0
        var high = 1.0
        while studentTCDF(high, df: df) < p { high *= 2 }
        for _ in 0..<200 {
            let mid = (low + high) / 2
            if studentTCDF(mid, df: df) < p { low = mid } else { high = mid }
            if high - low < 1e-12 * max(1, high) { break }
        }
        return (low + high) / 2
    }

    /// P(T ≤ t) for Student's t with `df` degrees of freedom.
    public static func studentTCDF(_ t: Double, df: Double) -> Double {
        let tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// The regularized incomplete beta function I_x(a, b), by its continued fraction (Lentz's
    /// method), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges
    /// faster.
    public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logBeta: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let logFront = logBeta + logPowers
        if x > (a + 1) / (a + b + 2) {
            return 1 - exp(logFront) * betaFraction(1 - x, a: b, b: a) / b
        }
        return exp(logFront) * betaFraction(x, a: a, b: b) / a
    }

    private static func betaFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...100_000 {
            let mm = Double(m)
            let even = mm * (b - mm) * x / ((a + 2 * mm - 1) * (a + 2 * mm))
            d = 1 + even * d
            if abs(d) < tiny { d = tiny }
            c = 1 + even / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            let odd = -(a + mm) * (a + b + mm) * x / ((a + 2 * mm) * (a + 2 * mm + 1))
            d = 1 + odd * d
            if abs(d) < tiny { d = tiny }
            c = 1 + odd / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            h *= step
            if abs(step - 1) < 1e-15 { break }
        }
        return h
    }
}
