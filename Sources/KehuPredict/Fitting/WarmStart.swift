/// Starting a fit on a large data set from a fit on a subsample of it.
///
/// BFGS spends most of its iterations far from the optimum while it learns the curvature; on a
/// million customers each of those is a full pass over the data, on a subsample of 20 000 they are
/// nearly free. The subsample's optimum and its inverse-Hessian approximation (the curvature of
/// the *mean* log-likelihood is about the same on a representative subsample) start the full fit,
/// which then needs a handful of passes. The answer is still the full data's maximum, under the
/// same gradient test; only the path to it changes.
enum WarmStart {
    /// Customers in the subsample.
    static let sampleSize = 20_000

    /// Every k-th customer, for data at least four times larger than the subsample; nil otherwise.
    static func sample(_ customers: [CustomerSummary]) -> [CustomerSummary]? {
        guard customers.count >= 4 * sampleSize else { return nil }
        let step = customers.count / sampleSize
        return stride(from: 0, to: customers.count, by: step).map { customers[$0] }
    }
}
