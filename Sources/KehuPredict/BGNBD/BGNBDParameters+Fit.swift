#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension BGNBDParameters {
    /// Maximum-likelihood estimates of r, α, a and b from customer summaries.
    ///
    /// Minimises the mean negative log-likelihood over (ln r, ln α, ln a, ln b) with BFGS and a
    /// strong-Wolfe line search, using the analytic gradient; identical customers are grouped and
    /// large data are evaluated on all cores.
    ///
    /// - Parameters:
    ///   - customers: One summary per customer; all times in one unit. Validated as lifetimes
    ///     does: finite, non-negative, recency ≤ T, recency 0 when frequency is 0.
    ///   - start: Where the search starts; by default lifetimes' start (e^0.1 for r, a, b, and
    ///     e^0.1 × the largest T for α), improved for 80 000 customers or more by a fit on a
    ///     20 000-customer subsample (see `WarmStart`).
    ///   - options: Tolerance, iteration limit and parallelism.
    /// - Returns: The estimates with the log-likelihood (in the summaries' time unit), iterations
    ///   and convergence status. Check ``ModelFit/isConverged``.
    /// - Throws: ``FitError`` naming the first invalid customer, or when there are no customers or
    ///   no repeat customers.
    /// - Complexity: O(n log n) to group, then O(distinct rows) per evaluation, typically 20–60
    ///   evaluations.
    public static func fit(
        _ customers: [CustomerSummary], startingAt start: BGNBDParameters? = nil, options: FitOptions = FitOptions()
    ) throws(FitError) -> ModelFit<BGNBDParameters> {
        try options.validate()
        let rows = try BGNBDLikelihoodRows(customers, requireRepeatCustomers: true)
        let initial = start ?? BGNBDParameters(r: exp(0.1), alpha: exp(0.1) * max(rows.largestAge, 1), a: exp(0.1), b: exp(0.1))
        guard initial.isValid else {
            throw .invalidOption("the starting parameters must all be positive and finite, got \(initial)")
        }
        let minimizer = QuasiNewtonMinimizer(gradientTolerance: options.gradientTolerance, maximumIterations: options.maximumIterations)
        var theta = [log(initial.r), log(initial.alpha), log(initial.a), log(initial.b)]
        var warmHessian: [[Double]]?
        if start == nil, let sample = WarmStart.sample(customers),
           let sampleRows = try? BGNBDLikelihoodRows(sample, requireRepeatCustomers: true) {
            let preliminary = minimizer.minimize(from: theta, objective(sampleRows, parallel: options.allowsParallelEvaluation))
            if preliminary.convergence == .converged {
                theta = preliminary.point
                warmHessian = preliminary.inverseHessian
            }
        }
        let outcome = minimizer.minimize(from: theta, inverseHessian: warmHessian, objective(rows, parallel: options.allowsParallelEvaluation))
        let estimate = outcome.point
        return ModelFit(
            parameters: BGNBDParameters(r: exp(estimate[0]), alpha: exp(estimate[1]), a: exp(estimate[2]), b: exp(estimate[3])),
            logLikelihood: -outcome.value * rows.totalWeight,
            iterations: outcome.iterations,
            evaluations: outcome.evaluations,
            convergence: outcome.convergence,
            gradientNorm: QuasiNewtonMinimizer.maxAbs(outcome.gradient),
            customerCount: rows.customerCount,
            distinctRowCount: rows.rowCount
        )
    }

    /// The mean negative log-likelihood over (ln r, ln α, ln a, ln b) and its gradient.
    private static func objective(_ rows: BGNBDLikelihoodRows, parallel: Bool) -> ([Double], inout [Double]) -> Double {
        let scale = 1 / rows.totalWeight
        return { theta, gradient in
            let parameters = BGNBDParameters(r: exp(theta[0]), alpha: exp(theta[1]), a: exp(theta[2]), b: exp(theta[3]))
            guard parameters.isValid else { return .infinity }
            var d = BGNBDLikelihoodRows.Gradient()
            let value = rows.evaluate(parameters, gradient: &d, parallel: parallel)
            // d/d ln θ = θ · d/dθ; minimise the mean negative log-likelihood.
            gradient[0] = -parameters.r * d.r * scale
            gradient[1] = -parameters.alpha * d.alpha * scale
            gradient[2] = -parameters.a * d.a * scale
            gradient[3] = -parameters.b * d.b * scale
            return -value * scale
        }
    }
}
