/// The outcome of a maximum-likelihood fit: the estimates and how the optimiser got there.
public struct ModelFit<Parameters: Sendable & Hashable>: Sendable, Hashable {
    /// The maximum-likelihood estimates.
    public var parameters: Parameters
    /// The total log-likelihood at ``parameters``, in the data's own units (for BG/NBD, the unit
    /// of recency and T), so it is comparable with published values.
    public var logLikelihood: Double
    /// Quasi-Newton iterations taken on the full data (not counting the cheap warm-start fit on a
    /// subsample that large data sets get).
    public var iterations: Int
    /// Likelihood-and-gradient evaluations on the full data (each is one pass over the rows).
    public var evaluations: Int
    /// Whether the gradient test was met.
    public var convergence: FitConvergence
    /// Largest absolute component of the gradient of the mean negative log-likelihood with respect
    /// to the log-parameters, at the returned estimates.
    public var gradientNorm: Double
    /// Customers that entered the likelihood.
    public var customerCount: Int
    /// Distinct likelihood rows after grouping identical customers (the work per evaluation).
    public var distinctRowCount: Int

    /// True when ``convergence`` is ``FitConvergence/converged``.
    public var isConverged: Bool { convergence == .converged }
}

/// How a fit ended.
public enum FitConvergence: String, Sendable, Hashable {
    /// The gradient of the mean negative log-likelihood fell below the tolerance.
    case converged
    /// ``FitOptions/maximumIterations`` ran out first; the estimates may be imprecise.
    case iterationLimitReached
    /// No step along the search direction lowered the likelihood any more, even after resetting
    /// the quasi-Newton matrix, while the gradient was still above the tolerance: the likelihood is
    /// flat or the data are degenerate (for example all customers alike). Inspect the data or loosen
    /// the tolerance.
    case noProgress
}

/// Settings of the maximum-likelihood optimiser.
public struct FitOptions: Sendable, Hashable {
    /// Stop when every component of the gradient of the mean negative log-likelihood with respect
    /// to the log-parameters is at most this. Default 1e-9 (lifetimes uses 1e-7).
    public var gradientTolerance: Double
    /// Give up after this many quasi-Newton iterations. Default 500.
    public var maximumIterations: Int
    /// Whether the likelihood may be evaluated on all cores when there are many distinct rows.
    public var allowsParallelEvaluation: Bool

    /// Options with the defaults described on each property.
    public init(gradientTolerance: Double = 1e-9, maximumIterations: Int = 500, allowsParallelEvaluation: Bool = true) {
        self.gradientTolerance = gradientTolerance
        self.maximumIterations = maximumIterations
        self.allowsParallelEvaluation = allowsParallelEvaluation
    }

    func validate() throws(FitError) {
        guard gradientTolerance.isFinite, gradientTolerance > 0 else {
            throw .invalidOption("gradient tolerance must be a positive number, got \(gradientTolerance)")
        }
        guard maximumIterations > 0 else {
            throw .invalidOption("maximum iterations must be at least 1, got \(maximumIterations)")
        }
    }
}
