/// BFGS on a few unconstrained variables (the log-parameters of a model), with a line search
/// that satisfies the strong Wolfe conditions (Nocedal & Wright, *Numerical Optimization*, 2nd ed.,
/// algorithms 3.5, 3.6 and 6.1).
///
/// The objective returns its value and writes its gradient; a non-finite value means "outside the
/// region where the model is defined" and makes the line search step back.
struct QuasiNewtonMinimizer {
    var gradientTolerance: Double
    var maximumIterations: Int
    /// Largest change of any variable in one step; on log-parameters, 8 is a factor of about 3000.
    var maximumStep = 8.0
    /// Sufficient decrease (c1) and curvature (c2) constants of the Wolfe conditions.
    var sufficientDecrease = 1e-4
    var curvature = 0.9

    struct Outcome {
        var point: [Double]
        var value: Double
        var gradient: [Double]
        var iterations: Int
        var evaluations: Int
        var convergence: FitConvergence
        /// The final inverse-Hessian approximation, to warm-start a related problem.
        var inverseHessian: [[Double]]
    }

    /// - Parameters:
    ///   - start: The starting point.
    ///   - inverseHessian: A starting inverse-Hessian approximation (for example from a fit of a
    ///     subsample); the scaled identity when nil.
    ///   - objective: Returns the value at a point and writes the gradient.
    /// - Complexity: O(iterations × (d² + cost of the objective)); d is tiny here.
    func minimize(
        from start: [Double], inverseHessian warmStart: [[Double]]? = nil, _ objective: ([Double], inout [Double]) -> Double
    ) -> Outcome {
        let d = start.count
        var evaluations = 0
        func evaluate(_ point: [Double], _ gradient: inout [Double]) -> Double {
            evaluations += 1
            let value = objective(point, &gradient)
            return value.isFinite && gradient.allSatisfy(\.isFinite) ? value : .infinity
        }

        var x = start
        var g = [Double](repeating: 0, count: d)
        var f = evaluate(x, &g)
        var inverseHessian = warmStart ?? Self.identity(d)
        var hessianIsFresh = warmStart == nil
        var iterations = 0
        func outcome(_ convergence: FitConvergence) -> Outcome {
            Outcome(point: x, value: f, gradient: g, iterations: iterations, evaluations: evaluations,
                    convergence: convergence, inverseHessian: inverseHessian)
        }
        guard f.isFinite else { return outcome(.noProgress) }

        while true {
            if Self.maxAbs(g) <= gradientTolerance { return outcome(.converged) }
            if iterations >= maximumIterations { return outcome(.iterationLimitReached) }
            iterations += 1

            var direction = Self.multiply(inverseHessian, g).map { -$0 }
            var slope = Self.dot(direction, g)
            if !(slope < 0) {
                // Not a descent direction (rounding in H): fall back to steepest descent.
                inverseHessian = Self.identity(d)
                hessianIsFresh = true
                direction = g.map { -$0 }
                slope = Self.dot(direction, g)
            }
            let longest = Self.maxAbs(direction)
            let initialStep = hessianIsFresh ? min(1, 1 / longest) : 1
            let stepLimit = maximumStep / longest

            let trial = LineSearch(
                origin: x, value: f, slope: slope, direction: direction,
                sufficientDecrease: sufficientDecrease, curvature: curvature
            )
            guard let accepted = trial.search(initialStep: min(initialStep, stepLimit), maximumStep: stepLimit, evaluate) else {
                if hessianIsFresh { return outcome(.noProgress) }
                // The quasi-Newton matrix may have gone stale: retry once from the identity.
                inverseHessian = Self.identity(d)
                hessianIsFresh = true
                continue
            }

            let s = zip(accepted.point, x).map { $0 - $1 }
            let y = zip(accepted.gradient, g).map { $0 - $1 }
            x = accepted.point
            f = accepted.value
            g = accepted.gradient

            let sy = Self.dot(s, y)
            // The Wolfe curvature condition makes sᵀy > 0; skip the update if rounding says otherwise.
            guard sy > 1e-16 * Self.dot(s, s).squareRoot() * Self.dot(y, y).squareRoot(), sy > 0 else { continue }
            if hessianIsFresh {
                // Scale the first matrix to the observed curvature (N&W eq. 6.20).
                let scale = sy / Self.dot(y, y)
                inverseHessian = Self.identity(d).map { $0.map { $0 * scale } }
                hessianIsFresh = false
            }
            Self.updateInverseHessian(&inverseHessian, s: s, y: y, sy: sy)
        }
    }

    /// H ← (I - ρ s yᵀ) H (I - ρ y sᵀ) + ρ s sᵀ, ρ = 1 / sᵀy.
    private static func updateInverseHessian(_ h: inout [[Double]], s: [Double], y: [Double], sy: Double) {
        let d = s.count
        let rho = 1 / sy
        let hy = multiply(h, y)
        let yhy = dot(y, hy)
        for i in 0..<d {
            for j in 0..<d {
                h[i][j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j]
            }
        }
    }

    static func identity(_ d: Int) -> [[Double]] {
        (0..<d).map { i in (0..<d).map { $0 == i ? 1 : 0 } }
    }

    static func multiply(_ m: [[Double]], _ v: [Double]) -> [Double] {
        m.map { dot($0, v) }
    }

    static func dot(_ u: [Double], _ v: [Double]) -> Double {
        var sum = 0.0
        for i in u.indices { sum += u[i] * v[i] }
        return sum
    }

    static func maxAbs(_ v: [Double]) -> Double {
        v.reduce(0) { max($0, abs($1)) }
    }
}

/// One strong-Wolfe line search along a fixed direction (N&W algorithms 3.5 and 3.6, with cubic
/// interpolation in the zoom phase and bisection as the safeguard).
///
/// Near the optimum the decrease a step can make falls below the rounding error of a likelihood
/// summed over many customers, and the Armijo test starts failing on noise. So a point is also
/// accepted under Hager & Zhang's approximate Wolfe conditions (SIAM J. Optim. 16(1), 2005):
/// f(α) ≤ f(0) + ε|f(0)| with ε = 1e-12, and (2c₁ - 1)·φ'(0) ≥ φ'(α) with |φ'(α)| ≤ c₂|φ'(0)|,
/// which for a quadratic is equivalent to Armijo but is tested on the (accurate) gradient.
struct LineSearch {
    let origin: [Double]
    let value: Double
    let slope: Double
    let direction: [Double]
    let sufficientDecrease: Double
    let curvature: Double

    struct Point {
        var step: Double
        var point: [Double]
        var value: Double
        var gradient: [Double]
        var slope: Double
    }

    /// The accepted point, or nil when no step gives sufficient decrease.
    func search(initialStep: Double, maximumStep: Double, _ evaluate: ([Double], inout [Double]) -> Double) -> Point? {
        var previous = Point(step: 0, point: origin, value: value, gradient: [], slope: slope)
        var step = initialStep
        var bestArmijo: Point?
        for attempt in 0..<60 {
            let current = probe(step, evaluate)
            if isApproximatelyWolfe(current) { return current }
            if !current.value.isFinite {
                // Outside the model's domain (overflow): come back towards the last good step.
                step = previous.step + 0.25 * (step - previous.step)
                if step - previous.step < 1e-20 { return bestArmijo }
                continue
            }
            if current.value > value + sufficientDecrease * step * slope || (attempt > 0 && current.value >= previous.value) {
                return zoom(low: previous, high: current, evaluate) ?? bestArmijo
            }
            bestArmijo = current
            if abs(current.slope) <= -curvature * slope { return current }
            if current.slope >= 0 { return zoom(low: current, high: previous, evaluate) ?? bestArmijo }
            if step >= maximumStep { return current }
            previous = current
            step = min(2 * step, maximumStep)
        }
        return bestArmijo
    }

    private func zoom(low: Point, high: Point, _ evaluate: ([Double], inout [Double]) -> Double) -> Point? {
        var low = low
        var high = high
        var bestArmijo: Point? = low.step > 0 ? low : nil
        for _ in 0..<60 {
            let width = high.step - low.step
            if abs(width) <= 1e-15 * max(abs(low.step), abs(high.step)) { break }
            var step = Self.cubicMinimizer(low, high) ?? (low.step + high.step) / 2
            // Stay well inside the bracket so that it keeps shrinking.
            let lower = min(low.step, high.step) + 0.1 * abs(width)
            let upper = max(low.step, high.step) - 0.1 * abs(width)
            if !(step >= lower && step <= upper) { step = (low.step + high.step) / 2 }

            let current = probe(step, evaluate)
            if isApproximatelyWolfe(current) { return current }
            if !current.value.isFinite || current.value > value + sufficientDecrease * step * slope || current.value >= low.value {
                high = current
                continue
            }
            bestArmijo = current
            if abs(current.slope) <= -curvature * slope { return current }
            if current.slope * (high.step - low.step) >= 0 { high = low }
            low = current
        }
        return bestArmijo
    }

    /// Hager–Zhang's approximate Wolfe conditions, with the strong curvature condition.
    private func isApproximatelyWolfe(_ point: Point) -> Bool {
        point.value.isFinite
            && point.value <= value + 1e-12 * abs(value)
            && point.slope <= (2 * sufficientDecrease - 1) * slope
            && abs(point.slope) <= -curvature * slope
    }

    private func probe(_ step: Double, _ evaluate: ([Double], inout [Double]) -> Double) -> Point {
        var point = origin
        for i in point.indices { point[i] += step * direction[i] }
        var gradient = [Double](repeating: 0, count: point.count)
        let f = evaluate(point, &gradient)
        return Point(step: step, point: point, value: f, gradient: gradient, slope: QuasiNewtonMinimizer.dot(gradient, direction))
    }

    /// Minimiser of the cubic through two points with their values and slopes (N&W eq. 3.59).
    private static func cubicMinimizer(_ p: Point, _ q: Point) -> Double? {
        guard p.value.isFinite, q.value.isFinite, p.slope.isFinite, q.slope.isFinite else { return nil }
        let d1 = p.slope + q.slope - 3 * (p.value - q.value) / (p.step - q.step)
        let discriminant = d1 * d1 - p.slope * q.slope
        guard discriminant >= 0 else { return nil }
        let d2 = (q.step > p.step ? 1.0 : -1.0) * discriminant.squareRoot()
        let denominator = q.slope - p.slope + 2 * d2
        guard denominator != 0 else { return nil }
        let step = q.step - (q.step - p.step) * (q.slope + d2 - d1) / denominator
        return step.isFinite ? step : nil
    }
}
