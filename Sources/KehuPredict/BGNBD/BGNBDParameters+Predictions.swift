#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension BGNBDParameters {
    /// P(alive | x, t_x, T): the probability that a customer with this history has not dropped out
    /// (Fader, Hardie & Lee, "Computing P(alive) using the BG/NBD model", note 021):
    ///
    ///     P(alive) = 1 / (1 + [x > 0] · a / (b + x - 1) · ((α + T) / (α + t_x))^(r + x))
    ///
    /// evaluated as a logistic of the log-odds, so huge x or T give 0 or 1, never NaN.
    /// A customer with no repeat purchase cannot have dropped out (dropout follows a purchase): 1.
    /// - Parameters:
    ///   - x: Repeat purchase periods.
    ///   - recency: t_x, in the unit α was fitted in.
    ///   - age: T, in the same unit.
    public func probabilityAlive(frequency x: Int, recency: Double, age: Double) -> Double {
        guard x > 0 else { return 1 }
        let xd = Double(x)
        let logOdds = log(a) - log(b + xd - 1) + (r + xd) * log1p((age - recency) / (alpha + recency))
        return SpecialFunctions.logistic(-logOdds)
    }

    /// P(alive) for a summary; see ``probabilityAlive(frequency:recency:age:)``.
    public func probabilityAlive(_ customer: CustomerSummary) -> Double {
        probabilityAlive(frequency: customer.frequency, recency: customer.recency, age: customer.age)
    }

    /// E[X(t)]: expected repeat purchases in the first `t` time units of a new customer (FHL 2005
    /// eq. 9):
    ///
    ///     E[X(t)] = (a + b - 1)/(a - 1) · [1 - (α/(α + t))^r · ₂F₁(r, b; a + b - 1; t/(α + t))]
    ///
    /// evaluated through its integral form (valid also for a ≤ 1 and t ≫ α); see the type-level
    /// notes in `docs/prediction.md`.
    /// - Parameter t: Length of the window, in the unit α was fitted in; 0 gives 0.
    /// - Complexity: one adaptive quadrature: typically 100–250 integrand evaluations, up to about
    ///   1 100 at the boundary (a or b below 0.1 down to 1e-9, split off exactly there).
    public func expectedPurchases(within t: Double) -> Double {
        guard t > 0 else { return 0 }
        return PurchaseIntegral(a: a, beta: b, n: r).value(at: t / alpha)
    }

    /// E[Y(t) | x, t_x, T]: expected repeat purchases in the next `t` time units of a customer with
    /// this history (FHL 2005 eq. 10):
    ///
    ///     E[Y(t) | x, t_x, T] = P(alive) · (a + b + x - 1)/(a - 1)
    ///                           · [1 - ((α + T)/(α + T + t))^(r + x) · ₂F₁(r + x, b + x; a + b + x - 1; t/(α + T + t))]
    ///
    /// - Parameters:
    ///   - t: Length of the window after the calibration end; 0 gives 0.
    ///   - x: Repeat purchase periods.
    ///   - recency: t_x.
    ///   - age: T.
    /// - Complexity: one adaptive quadrature: typically 100–250 integrand evaluations, up to about
    ///   1 100 at the boundary (a or b below 0.1 down to 1e-9, split off exactly there).
    public func conditionalExpectedPurchases(within t: Double, frequency x: Int, recency: Double, age: Double) -> Double {
        guard t > 0 else { return 0 }
        let xd = Double(x)
        let integral = PurchaseIntegral(a: a, beta: b + xd, n: r + xd)
        return probabilityAlive(frequency: x, recency: recency, age: age) * integral.value(at: t / (alpha + age))
    }

    /// E[Y(t) | x, t_x, T] for a summary; see ``conditionalExpectedPurchases(within:frequency:recency:age:)``.
    public func conditionalExpectedPurchases(within t: Double, for customer: CustomerSummary) -> Double {
        conditionalExpectedPurchases(within: t, frequency: customer.frequency, recency: customer.recency, age: customer.age)
    }
}
